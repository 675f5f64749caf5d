using Scratch.Tensors.Kernels;

namespace Scratch.Tensors.Tests;

/// <summary>
/// Products whose A has a known zero triangle (<see cref="ATriangle"/>: causal attention's weights and their transpose),
/// whose blocks of zero terms the fast kernel skips. Each must equal the full product, on every micro-kernel and core
/// count, with A read in place or packed and with sums longer than one slice of 256 terms. Where a whole block is
/// skipped, A holds a NaN instead of its zero: a product that read it would turn a row of C into NaN.
/// </summary>
public sealed class MatMulTriangleTests
{
    /// <summary>How A (batch, T, T) is stored: read in place along rows, along columns, or packed.</summary>
    public enum Layout
    {
        RowMajor,   // column stride 1
        Transposed, // row stride 1: a transposed view, as weightsᵀ in attention's backward
        Strided,    // column stride 2: every other column of a wider matrix (packed)
    }

    [Theory]
    [InlineData(true, Layout.RowMajor)]
    [InlineData(true, Layout.Transposed)]
    [InlineData(true, Layout.Strided)]
    [InlineData(false, Layout.RowMajor)]
    [InlineData(false, Layout.Transposed)]
    [InlineData(false, Layout.Strided)]
    public void SkippingTheZeroTermsGivesTheFullProduct(bool lower, Layout layout)
    {
        var triangle = lower ? ATriangle.Lower : ATriangle.Upper;
        foreach (int t in new[] { 1, 5, 12, 13, 30, 64, 300 })
        {
            foreach (int batch in new[] { 1, 3, 9 })
            {
                var rng = new Rng((ulong)(t * 31 + batch));
                var (clean, poisoned) = TriangularA(rng, triangle, layout, batch, t);
                var b = Tensor<float>.Randn(rng, batch, t, 7 + t % 5);
                var expected = Tensor<float>.MatMulReference(clean, b); // every term, the zeros included
                foreach (int cores in new[] { 1, 2, 8 })
                {
                    foreach (int width in new[] { 512, 256, 0 })
                    {
                        var actual = Forced(poisoned, b, triangle, cores, width);
                        Assert.True(actual.AllClose(expected, rtol: 1e-5, atol: 1e-5),
                            $"{triangle} A, {layout}, T {t}, batch {batch}, cores {cores}, kernel {width}");
                        // the same path without the skipping: the same numbers (each term left out is ±0)
                        Assert.True(Forced(clean, b, ATriangle.None, cores, width).AllClose(Forced(clean, b, triangle, cores, width), rtol: 0, atol: 0),
                            $"{triangle} A, {layout}, T {t}, batch {batch}, cores {cores}, kernel {width}: not the numbers of the full product");
                    }
                }
            }
        }
    }

    [Fact]
    public void TheTermsARowPanelNeeds()
    {
        // rows [24, 36) of a slice of terms [0, 256): a lower triangular A needs p < 36, an upper one p ≥ 24
        Assert.Equal((0, 36), MatMulFast.Terms(ATriangle.Lower, 24, 12, 0, 256));
        Assert.Equal((24, 232), MatMulFast.Terms(ATriangle.Upper, 24, 12, 0, 256));
        Assert.Equal((0, 256), MatMulFast.Terms(ATriangle.None, 24, 12, 0, 256));
        // the second slice [256, 300): none of it for the lower rows 24 … 35, all of it for the upper ones; rows 260 … 271
        Assert.Equal((0, 0), MatMulFast.Terms(ATriangle.Lower, 24, 12, 256, 44));
        Assert.Equal((0, 44), MatMulFast.Terms(ATriangle.Upper, 24, 12, 256, 44));
        Assert.Equal((0, 16), MatMulFast.Terms(ATriangle.Lower, 260, 12, 256, 44));
        Assert.Equal((4, 40), MatMulFast.Terms(ATriangle.Upper, 260, 12, 256, 44));
        Assert.Equal((0, 0), MatMulFast.Terms(ATriangle.Lower, 0, 12, 256, 44));
    }

    /// <summary>
    /// A random A (batch, T, T) in <paramref name="layout"/> with zeros in <paramref name="triangle"/>'s triangle, and
    /// the same A with a NaN at a zero that every kernel skips: A[·, 0, T−1] (lower; row 0 needs p &lt; MR ≤ 12) or
    /// A[·, T−1, 0] (upper; row T−1 needs p ≥ its panel's first row, at least 12 with T ≥ 24).
    /// </summary>
    private static (Tensor<float> Clean, Tensor<float> Poisoned) TriangularA(Rng rng, ATriangle triangle, Layout layout, int batch, int t)
    {
        var values = Tensor<float>.Randn(rng, batch, t, t).ToArray();
        int stride = layout == Layout.Strided ? 2 : 1;
        var data = new float[batch * t * t * stride];
        for (int b = 0; b < batch; b++)
        {
            for (int i = 0; i < t; i++)
            {
                for (int p = 0; p < t; p++)
                {
                    bool zero = triangle == ATriangle.Lower ? p > i : p < i;
                    data[At(layout, b, i, p, t)] = zero ? 0f : values[(b * t + i) * t + p];
                }
            }
        }
        var poisoned = (float[])data.Clone();
        if (t >= 24)
        {
            for (int b = 0; b < batch; b++)
            {
                poisoned[triangle == ATriangle.Lower ? At(layout, b, 0, t - 1, t) : At(layout, b, t - 1, 0, t)] = float.NaN;
            }
        }
        return (View(data, layout, batch, t), View(poisoned, layout, batch, t));
    }

    /// <summary>Where A[b, i, p] lies in the storage of <paramref name="layout"/>.</summary>
    private static int At(Layout layout, int b, int i, int p, int t) => layout switch
    {
        Layout.RowMajor => (b * t + i) * t + p,
        Layout.Transposed => (b * t + p) * t + i,
        _ => (b * t + i) * 2 * t + 2 * p,
    };

    private static Tensor<float> View(float[] data, Layout layout, int batch, int t) => layout switch
    {
        Layout.RowMajor => Tensor<float>.FromArray(data, batch, t, t),
        Layout.Transposed => Tensor<float>.FromArray(data, batch, t, t).Transpose(1, 2),
        _ => Tensor<float>.FromArray(data, batch, t, 2 * t).Slice(2, 0, 2 * t, 2),
    };

    private static Tensor<float> Forced(Tensor<float> a, Tensor<float> b, ATriangle triangle, int cores, int width) =>
        MatMulForcing.Run(cores, width, () => Tensor<float>.MatMul(a, b, destination: null, triangle));
}
