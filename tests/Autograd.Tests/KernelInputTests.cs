using Scratch.Autograd.Composites;
using Scratch.Autograd.Kernels;
using Scratch.Tensors;

namespace Scratch.Autograd.Tests;

/// <summary>
/// The kernels and composites are public, so they check what they are given the way the ops do: each refusal is one
/// line naming the shapes. The layer-norm kernel reads storage directly, so every tensor must also be contiguous:
/// one case per condition it checks.
/// </summary>
public sealed class KernelInputTests
{
    private static Tensor<double> Ramp(params int[] shape) => Tensor<double>.Arange(Shapes.Count(shape)).Reshape(shape) + 1.0;

    /// <summary>A (rows, cols) tensor that is a transposed view: its shape is right, its layout is not.</summary>
    private static Tensor<double> Strided(int rows, int cols) => Ramp(cols, rows).Transpose(0, 1);

    [Fact]
    public void LayerNormKernelRefusesWhatItCannotRead()
    {
        const string needs = "layer_norm kernel: needs contiguous x (N, C), w and b (C) and dy (N, C); got ";
        var (x, w, b) = (Ramp(2, 3), Ramp(3), Ramp(3));
        (Action Act, string Got)[] forward =
        [
            (() => LayerNormFast.Forward(Ramp(3), w, b, 1e-5), "x [3], w [3]"),                         // x not (N, C)
            (() => LayerNormFast.Forward(Strided(2, 3), w, b, 1e-5), "x [2,3], w [3]"),                 // x strided
            (() => LayerNormFast.Forward(x, Ramp(4), b, 1e-5), "x [2,3], w [4]"),                       // w not (C)
            (() => LayerNormFast.Forward(x, Ramp(6).Slice(0, 0, 6, 2), b, 1e-5), "x [2,3], w [3]"),     // w strided
            (() => LayerNormFast.Forward(x, w, Ramp(4), 1e-5), "x [2,3], w [3]"),                       // b not (C)
            (() => LayerNormFast.Forward(x, w, Ramp(6).Slice(0, 0, 6, 2), 1e-5), "x [2,3], w [3]"),     // b strided
        ];
        foreach (var (act, got) in forward)
        {
            Assert.Equal(needs + got, Assert.Throws<ArgumentException>(act).Message);
        }

        var (_, mean, rstd) = LayerNormFast.Forward(x, w, null, 1e-5); // no bias is fine
        (Action Act, string Got)[] backward =
        [
            (() => LayerNormFast.Backward(Ramp(2, 4), x, w, mean, rstd), "x [2,3], w [3], dy [2,4]"),  // dy not x's shape
            (() => LayerNormFast.Backward(Strided(2, 3), x, w, mean, rstd), "x [2,3], w [3], dy [2,3]"), // dy strided
        ];
        foreach (var (act, got) in backward)
        {
            Assert.Equal(needs + got, Assert.Throws<ArgumentException>(act).Message);
        }
    }

    [Fact]
    public void GeluBackwardRefusesAGradientOfAnotherShape()
    {
        var e = Assert.Throws<ArgumentException>(() => GeluFast.Backward(Ramp(2, 3), Ramp(3, 2)));
        Assert.Equal("gelu backward: gradient of shape [3,2] does not match the input's shape [2,3]", e.Message);
    }

    [Fact]
    public void CompositesRefuseWhatTheyCannotCompute()
    {
        var logits = new Var<double>(Ramp(2, 3), requiresGrad: true);
        var all = Assert.Throws<ArgumentException>(() => Composite.CrossEntropy(logits, [-1, -1]));
        Assert.Equal("cross_entropy (composite): all 2 targets are the ignore index -1; the mean over no rows is undefined", all.Message);

        var q = new Var<double>(Ramp(1, 1, 2, 2), requiresGrad: true);
        var noRng = Assert.Throws<ArgumentNullException>(() => Composite.CausalSelfAttention(q, q, q, dropout: 0.5));
        Assert.Equal("causal_self_attention: dropout needs a generator (rng) (Parameter 'rng')", noRng.Message);
    }
}
