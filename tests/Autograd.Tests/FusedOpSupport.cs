using FsCheck;
using FsCheck.Fluent;
using Scratch.Tensors;

namespace Scratch.Autograd.Tests;

/// <summary>Helpers shared by the tests of the fused ops (cross-entropy, layer norm, attention, dropout).</summary>
internal static class FusedOpSupport
{
    /// <summary>
    /// Runs <paramref name="property"/> on <paramref name="count"/> cases drawn from <paramref name="cases"/>
    /// with FsCheck. Each case carries its own seed for the values, so a failing case names everything
    /// needed to rerun it (and FsCheck's message adds its own replay seed).
    /// </summary>
    public static void ForAll<TCase>(Gen<TCase> cases, Action<TCase> property, int count = 40)
    {
        var config = Config.QuickThrowOnFailure.WithMaxTest(count).WithQuietOnSuccess(true);
        Check.One(config, Prop.ForAll(cases.ToArbitrary(), property));
    }

    /// <summary>A seed for the values of one case.</summary>
    public static Gen<ulong> Seeds => Gen.Choose(0, int.MaxValue).Select(s => (ulong)s);

    /// <summary>
    /// A test-only differentiable transpose: its value is a strided view (not contiguous), so the op fed
    /// with it must read through strides. (Var.Transpose belongs to the primitive ops.)
    /// </summary>
    public static Var<double> TransposedView(Var<double> x, int dim0, int dim1) =>
        Var<double>.Record("transpose", x.Value.Transpose(dim0, dim1), [x], dy => x.AccumulateGrad(dy.Transpose(dim0, dim1)));

    /// <summary>The largest |a − b| over all elements (shapes must match).</summary>
    public static double MaxAbsDiff(Tensor<double> a, Tensor<double> b)
    {
        Assert.Equal(a.ShapeArray(), b.ShapeArray());
        var x = a.ToArray();
        var y = b.ToArray();
        double worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double d = Math.Abs(x[i] - y[i]);
            worst = double.IsNaN(d) ? double.PositiveInfinity : Math.Max(worst, d);
        }
        return worst;
    }

    /// <summary>Asserts that GradCheck passes at 1e-6, printing the worst element and the case on failure.</summary>
    public static void AssertGradCheck(Func<Var<double>[], Var<double>> f, IReadOnlyList<Tensor<double>> inputs, object testCase)
    {
        var result = GradCheck.Run(f, inputs);
        Assert.True(result.Passed(1e-6), $"{testCase}: {result}");
    }
}
