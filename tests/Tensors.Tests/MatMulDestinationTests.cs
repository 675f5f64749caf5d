namespace Scratch.Tensors.Tests;

/// <summary>
/// <c>Tensor.MatMul(a, b, destination)</c>, PyTorch's <c>out=</c>: the product written into a tensor that may be a
/// view, equal to the product made fresh, with nothing outside the view touched; and a clear error for a destination
/// that cannot take it.
/// </summary>
public sealed class MatMulDestinationTests
{
    /// <summary>A tensor of <paramref name="shape"/> full of 7, the value every place the product must not write keeps.</summary>
    private static Tensor<double> Sevens(params int[] shape) => Tensor<double>.Full(shape, 7);

    /// <summary>Writes a · b into <paramref name="destination"/> and checks it against the fresh product and the reference.</summary>
    private static void WritesTheProduct(Tensor<double> a, Tensor<double> b, Tensor<double> destination)
    {
        var returned = Tensor<double>.MatMul(a, b, destination);
        Assert.Same(destination, returned);
        Make.AssertClose(Tensor<double>.MatMul(a, b), destination, rtol: 1e-12, atol: 1e-12);
        Make.AssertClose(Tensor<double>.MatMulReference(a, b), destination, rtol: 1e-12, atol: 1e-12);
    }

    /// <summary>
    /// Attention's case: per batch and head (B, H, T, hs), written into a (B, T, H, hs) tensor seen through a transpose,
    /// so that the heads read back as (B, T, H·hs) without a copy. Rows of 5 and 13: the thin kernel and the blocked one.
    /// </summary>
    [Theory]
    [InlineData(5)]
    [InlineData(13)]
    public void HeadsWrittenIntoTheTokenLayout(int nT)
    {
        var rng = new Rng(3);
        int B = 2, H = 3, hs = 4;
        var att = Tensor<double>.Randn(rng, B, H, nT, nT);
        var v = Tensor<double>.Randn(rng, B, H, nT, hs);
        var tokens = Sevens(B, nT, H, hs);
        WritesTheProduct(att, v, tokens.Transpose(1, 2)); // (B, H, T, hs), rows H·hs apart
        Make.AssertClose(att.MatMul(v).Transpose(1, 2).Contiguous(), tokens, rtol: 1e-12, atol: 1e-12);
    }

    /// <summary>Into a block of a larger tensor (rows strided, an offset): the places around the block keep their 7.</summary>
    [Fact]
    public void IntoABlockLeavingTheRestAlone()
    {
        var rng = new Rng(4);
        var a = Tensor<double>.Randn(rng, 30, 17);
        var b = Tensor<double>.Randn(rng, 17, 9).Transpose().Contiguous().Transpose(); // (17, 9) read through its columns
        var big = Sevens(34, 15);
        var block = big.Narrow(0, 2, 30).Narrow(1, 3, 9);
        WritesTheProduct(a, b, block);
        var outside = big.ToArray().Where((_, at) => !(at / 15 is >= 2 and < 32 && at % 15 is >= 3 and < 12));
        Assert.All(outside, x => Assert.Equal(7.0, x));
    }

    /// <summary>
    /// A batch times a matrix (a Linear layer) into a contiguous destination (one folded product) and into a
    /// transposed one (a product per batch entry); and the 1-D cases, where the destination lacks the dropped dimension.
    /// </summary>
    [Fact]
    public void EveryShapeMatMulTakes()
    {
        var rng = new Rng(5);
        var x = Tensor<double>.Randn(rng, 3, 7, 6);
        var w = Tensor<double>.Randn(rng, 6, 5);
        WritesTheProduct(x, w, Sevens(3, 7, 5));
        WritesTheProduct(x, w, Sevens(7, 3, 5).Transpose(0, 1));
        var vector = Tensor<double>.Randn(rng, 6);
        WritesTheProduct(vector, w, Sevens(5));         // (K) · (K, N) → (N)
        WritesTheProduct(x, vector, Sevens(3, 7));      // (…, M, K) · (K) → (…, M)
        WritesTheProduct(vector, vector, Sevens());     // (K) · (K) → ()
        WritesTheProduct(Tensor<double>.Zeros(4, 0), Tensor<double>.Zeros(0, 3), Sevens(4, 3)); // an empty sum: zeros
    }

    /// <summary>Each destination that cannot take the product is refused with one line that names the problem.</summary>
    [Fact]
    public void ADestinationThatCannotTakeTheProductIsRefused()
    {
        var rng = new Rng(6);
        var a = Tensor<double>.Randn(rng, 4, 3);
        var b = Tensor<double>.Randn(rng, 3, 5);
        string Refusal(Tensor<double> destination) =>
            Assert.Throws<ArgumentException>(() => Tensor<double>.MatMul(a, b, destination)).Message;

        Assert.Equal("matmul: the destination of [4,3] · [3,5] must have shape [4,5], got [5,4]", Refusal(Sevens(5, 4)));
        Assert.Equal("matmul: the destination of [4,3] · [3,5] needs its last dimension contiguous (stride 1), got strides [1,4]",
            Refusal(Sevens(5, 4).Transpose()));
        Assert.Equal("matmul: the destination of [4,3] · [3,5] has elements that share a place in storage (strides [0,1] for shape [4,5])",
            Refusal(Sevens(1, 5).Expand(4, 5)));
        Assert.Equal("matmul: the destination of [4,3] · [3,5] has elements that share a place in storage (strides [3,1] for shape [4,5])",
            Refusal(new Tensor<double>(new double[20], [4, 5], [3, 1], 0))); // rows 3 apart, 5 long: they overlap
        var shared = Sevens(4, 8);
        Assert.Equal("matmul: the destination of [4,3] · [3,5] shares storage with an operand",
            Assert.Throws<ArgumentException>(() => Tensor<double>.MatMul(shared.Narrow(1, 0, 3), b, shared.Narrow(1, 3, 5))).Message);
        Assert.Throws<ArgumentNullException>(() => Tensor<double>.MatMul(a, b, null!));
    }
}
