using Scratch.Tensors;

namespace Scratch.Autograd.Tests;

/// <summary>
/// Training runs in float: the fused ops there must agree with the double versions, values and gradients,
/// to float precision (the gradient checks themselves run in double).
/// </summary>
public sealed class FusedOpFloatTests
{
    private static Tensor<float> ToFloat(Tensor<double> x) => Tensor<float>.FromArray(x.ToArray().Select(v => (float)v).ToArray(), x.ShapeArray());

    private static void AssertClose(Tensor<double> expected, Tensor<float> actual, double tolerance, string what)
    {
        Assert.Equal(expected.ShapeArray(), actual.ShapeArray());
        var e = expected.ToArray();
        var a = actual.ToArray();
        for (int i = 0; i < e.Length; i++)
        {
            Assert.True(Math.Abs(e[i] - a[i]) <= tolerance * Math.Max(1, Math.Abs(e[i])), $"{what}[{i}]: double {e[i]}, float {a[i]}");
        }
    }

    /// <summary>Runs <paramref name="op"/> in double and in float on the same inputs, backward with the same upstream gradient, and compares.</summary>
    private static void AssertFloatMatchesDouble(Tensor<double>[] inputs, Func<Var<double>[], Var<double>> opDouble, Func<Var<float>[], Var<float>> opFloat)
    {
        var d = inputs.Select(x => new Var<double>(x, requiresGrad: true)).ToArray();
        var f = inputs.Select(x => new Var<float>(ToFloat(x), requiresGrad: true)).ToArray();
        var yd = opDouble(d);
        var yf = opFloat(f);
        var dy = Tensor<double>.Randn(new Rng(99), yd.Value.ShapeArray());
        yd.Backward(dy);
        yf.Backward(ToFloat(dy));
        AssertClose(yd.Value, yf.Value, 1e-5, "value");
        for (int i = 0; i < inputs.Length; i++)
        {
            AssertClose(d[i].Grad!, f[i].Grad!, 1e-4, $"gradient {i}");
        }
    }

    [Fact]
    public void CrossEntropyInFloatMatchesDouble()
    {
        int[] y = [3, 0, -1, 7, 2, 2];
        AssertFloatMatchesDouble([Tensor<double>.Randn(new Rng(1), 2, 3, 8)],
            x => Var<double>.CrossEntropy(x[0], y), x => Var<float>.CrossEntropy(x[0], y));
    }

    [Fact]
    public void LayerNormInFloatMatchesDouble()
    {
        var rng = new Rng(2);
        AssertFloatMatchesDouble([Tensor<double>.Randn(rng, 2, 3, 16), Tensor<double>.Randn(rng, 16), Tensor<double>.Randn(rng, 16)],
            x => Var<double>.LayerNorm(x[0], x[1], x[2]), x => Var<float>.LayerNorm(x[0], x[1], x[2]));
    }

    [Fact]
    public void CausalSelfAttentionInFloatMatchesDouble()
    {
        var rng = new Rng(3);
        var inputs = Enumerable.Range(0, 3).Select(_ => Tensor<double>.Randn(rng, 2, 2, 7, 4)).ToArray();
        AssertFloatMatchesDouble(inputs,
            x => Var<double>.CausalSelfAttention(x[0], x[1], x[2]), x => Var<float>.CausalSelfAttention(x[0], x[1], x[2]));
    }

    /// <summary>
    /// At the GPT's size (T = 64, 12 batch·head pairs) rows are long enough for the float SIMD exp and the
    /// rows are split over the cores, both in the forward softmax and in its backward.
    /// </summary>
    [Fact]
    public void CausalSelfAttentionInFloatMatchesDoubleAtGptSize()
    {
        var rng = new Rng(5);
        var inputs = Enumerable.Range(0, 3).Select(_ => Tensor<double>.Randn(rng, 3, 4, 64, 8)).ToArray();
        AssertFloatMatchesDouble(inputs,
            x => Var<double>.CausalSelfAttention(x[0], x[1], x[2]), x => Var<float>.CausalSelfAttention(x[0], x[1], x[2]));
    }

    /// <summary>GELU's float SIMD forward and fused backward against the exact double formula.</summary>
    [Fact]
    public void GeluInFloatMatchesDouble()
    {
        AssertFloatMatchesDouble([Tensor<double>.Randn(new Rng(6), 7, 45) * 3.0], x => x[0].Gelu(), x => x[0].Gelu());
    }

    [Fact]
    public void DropoutInFloatMatchesDouble()
    {
        AssertFloatMatchesDouble([Tensor<double>.Randn(new Rng(4), 5, 6)],
            x => x[0].Dropout(0.3, new Rng(8)), x => x[0].Dropout(0.3, new Rng(8)));
    }
}
