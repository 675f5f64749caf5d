using Scratch.Nn.Init;
using Scratch.Nn.Modules;
using Scratch.Tensors;

namespace Scratch.Nn.Tests;

/// <summary>
/// The initialisers' distributions, from large samples: the sample mean within 5 standard errors of the
/// mean, the sample standard deviation within 2% of the one the formula promises, uniform samples inside
/// their bounds (and reaching close to them).
/// </summary>
public sealed class InitializerTests
{
    private const int N = 200_000;

    private static (double Mean, double Std, double Min, double Max) Stats(Tensor<double> t)
    {
        double[] x = t.ToArray();
        double mean = x.Average();
        double std = Math.Sqrt(x.Sum(v => (v - mean) * (v - mean)) / x.Length);
        return (mean, std, x.Min(), x.Max());
    }

    private static void AssertNormal(Tensor<double> t, double mean, double std, string what)
    {
        var s = Stats(t);
        Assert.True(Math.Abs(s.Mean - mean) < 5 * std / Math.Sqrt(t.Count), $"{what}: mean {s.Mean}, expected {mean}");
        Assert.True(Math.Abs(s.Std / std - 1) < 0.02, $"{what}: std {s.Std}, expected {std}");
    }

    private static void AssertUniform(Tensor<double> t, double bound, string what)
    {
        var s = Stats(t);
        Assert.True(s.Min >= -bound && s.Max <= bound, $"{what}: samples in [{s.Min}, {s.Max}], outside ±{bound}");
        Assert.True(s.Min < -0.999 * bound && s.Max > 0.999 * bound, $"{what}: samples in [{s.Min}, {s.Max}] do not reach ±{bound}");
        AssertNormal(t, 0, bound / Math.Sqrt(3), what); // U(−a, a) has std a/√3
    }

    [Fact]
    public void NormalHasTheRequestedMeanAndStd() => AssertNormal(Initializers.Normal<double>(new Rng(1), 1.5, 0.7, N), 1.5, 0.7, "normal");

    [Fact]
    public void Gpt2IsNormalWithStd002() => AssertNormal(Initializers.Gpt2<double>(new Rng(2), 400, 500), 0, 0.02, "gpt2");

    [Theory]
    [InlineData(1)]
    [InlineData(6)]
    [InlineData(12)]
    public void Gpt2ResidualShrinksWithDepth(int nLayer) =>
        AssertNormal(Initializers.Gpt2Residual<double>(new Rng(3), nLayer, N), 0, 0.02 / Math.Sqrt(2.0 * nLayer), $"gpt2 residual, {nLayer} layers");

    [Fact]
    public void XavierUniformAndNormal()
    {
        AssertUniform(Initializers.XavierUniform<double>(new Rng(4), 30, 70, 1.0, N), Math.Sqrt(6.0 / 100), "xavier uniform");
        AssertUniform(Initializers.XavierUniform<double>(new Rng(5), 30, 70, 5.0 / 3, N), 5.0 / 3 * Math.Sqrt(6.0 / 100), "xavier uniform, tanh gain");
        AssertNormal(Initializers.XavierNormal<double>(new Rng(6), 30, 70, 1.0, N), 0, Math.Sqrt(2.0 / 100), "xavier normal");
    }

    [Fact]
    public void KaimingUniformAndNormal()
    {
        AssertUniform(Initializers.KaimingUniform<double>(new Rng(7), 50, N), Math.Sqrt(6.0 / 50), "kaiming uniform");
        AssertNormal(Initializers.KaimingNormal<double>(new Rng(8), 50, N), 0, Math.Sqrt(2.0 / 50), "kaiming normal");
    }

    [Fact]
    public void LinearDefaultIsUniformInPlusMinusOneOverRootFanIn()
    {
        AssertUniform(Initializers.LinearDefault<double>(new Rng(9), 64, N), 1.0 / 8, "linear default");
        var linear = new Linear<double>(256, 300, new Rng(10));
        AssertUniform(linear.Weight.Value, 1.0 / 16, "Linear(256, 300).weight");
    }

    [Fact]
    public void AFreshMlpHasGpt2WeightsAndAScaledResidualProjection()
    {
        const int nEmbd = 64, nLayer = 6;
        var mlp = new Mlp<double>(nEmbd, nLayer, 0.0, true, new Rng(11));
        AssertNormal(mlp.CFc.Weight.Value, 0, 0.02, "c_fc.weight");
        AssertNormal(mlp.CProj.Weight.Value, 0, 0.02 / Math.Sqrt(2.0 * nLayer), "c_proj.weight");
        Assert.All(mlp.CFc.Bias!.Value.ToArray(), b => Assert.Equal(0.0, b));
        Assert.All(mlp.CProj.Bias!.Value.ToArray(), b => Assert.Equal(0.0, b));
        var attention = new CausalSelfAttention<double>(nEmbd, 4, nLayer, 0.0, true, new Rng(12));
        AssertNormal(attention.CProj.Weight.Value, 0, 0.02 / Math.Sqrt(2.0 * nLayer), "attn.c_proj.weight");
        AssertNormal(attention.CAttn.Weight.Value, 0, 0.02, "attn.c_attn.weight");
        Assert.All(attention.CAttn.Bias!.Value.ToArray(), b => Assert.Equal(0.0, b));
        Assert.All(attention.CProj.Bias!.Value.ToArray(), b => Assert.Equal(0.0, b));
    }
}
