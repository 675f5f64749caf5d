using System.Numerics;
using FsCheck.Fluent;
using Scratch.Tensors.Kernels;

namespace Scratch.Tensors.Tests;

public sealed class ElementwiseTests
{
    /// <summary>Shapes with a longer last dimension, so rows are wide enough for the SIMD loops.</summary>
    private static readonly FsCheck.Gen<(int[] Shape, int Seed)> WideShapes =
        from lead in Properties.Shape(0, 2)
        from last in Gen.Choose(1, 37)
        from seed in Properties.ValueSeed
        select ((int[])[.. lead, last], seed);

    private static void AssertBitEqual<T>(Tensor<T> expected, Tensor<T> actual, string op) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(Shapes.Format(expected.Shape), Shapes.Format(actual.Shape));
        Assert.True(actual.IsContiguous, $"{op}: result is not contiguous");
        T[] e = expected.ToArray(), a = actual.ToArray();
        for (int i = 0; i < e.Length; i++)
        {
            Assert.True(e[i].Equals(a[i]), $"{op}: element {i} of shape {Shapes.Format(expected.Shape)}: reference {e[i]}, fast {a[i]}");
        }
    }

    private static void UnaryOpsMatchReference<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        AssertBitEqual(Reference.Unary(x, new NegOp<T>()), x.Neg(), "neg");
        AssertBitEqual(Reference.Unary(x, new AbsOp<T>()), x.Abs(), "abs");
        AssertBitEqual(Reference.Unary(x, new ExpOp<T>()), x.Exp(), "exp");
        AssertBitEqual(Reference.Unary(x, new LogOp<T>()), x.Log(), "log");
        AssertBitEqual(Reference.Unary(x, new SqrtOp<T>()), x.Sqrt(), "sqrt");
        AssertBitEqual(Reference.Unary(x, new PowOp<T>(T.CreateChecked(3))), x.Pow(T.CreateChecked(3)), "pow");
        AssertBitEqual(Reference.Unary(x, new TanhOp<T>()), x.Tanh(), "tanh");
        AssertBitEqual(Reference.Unary(x, new SigmoidOp<T>()), x.Sigmoid(), "sigmoid");
        AssertBitEqual(Reference.Unary(x, new ReluOp<T>()), x.Relu(), "relu");
        if (typeof(T) == typeof(double))
        {
            AssertBitEqual(Reference.Unary(x, new GeluOp<T>()), x.Gelu(), "gelu");
        }
        else
        {
            // float GELU runs through a SIMD exp (σ(2u) form): equal to the scalar tanh formula up to rounding.
            AssertClose(Reference.Unary(x, new GeluOp<T>()), x.Gelu(), 2e-6, "gelu");
        }
    }

    private static void AssertClose<T>(Tensor<T> expected, Tensor<T> actual, double tolerance, string op) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(Shapes.Format(expected.Shape), Shapes.Format(actual.Shape));
        T[] e = expected.ToArray(), a = actual.ToArray();
        for (int i = 0; i < e.Length; i++)
        {
            double d = double.CreateChecked(e[i]), f = double.CreateChecked(a[i]);
            Assert.True(Math.Abs(d - f) <= tolerance * (1 + Math.Abs(d)), $"{op}: element {i}: reference {d}, fast {f}");
        }
    }

    /// <summary>
    /// The SIMD GELU (float) against the scalar tanh formula on a dense grid over [−12, 12] and at extremes, where
    /// exp overflows to ∞ or underflows to 0. (Its backward is Autograd's: GeluKernelTests.)
    /// </summary>
    [Fact]
    public void SimdGeluEqualsScalarFormula()
    {
        var values = Enumerable.Range(0, 24001).Select(i => -12f + i * 0.001f).Concat([-1e4f, -100f, -40f, 40f, 100f, 1e4f, 0f, -0f]).ToArray();
        var y = Tensor<float>.FromArray(values, values.Length).Gelu().ToArray();
        double k = Math.Sqrt(2 / Math.PI);
        for (int i = 0; i < values.Length; i++)
        {
            double v = values[i];
            double expectedY = 0.5 * v * (1 + Math.Tanh(k * (v + 0.044715 * v * v * v)));
            Assert.True(Math.Abs(y[i] - expectedY) <= 1e-6 * (1 + Math.Abs(expectedY)), $"gelu({v}) = {y[i]}, formula {expectedY}");
        }
    }

    private static void BinaryOpsMatchReference<T>(Tensor<T> a, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        AssertBitEqual(Reference.Binary("add", a, b, new AddOp<T>()), a + b, "add");
        AssertBitEqual(Reference.Binary("sub", a, b, new SubOp<T>()), a - b, "sub");
        AssertBitEqual(Reference.Binary("mul", a, b, new MulOp<T>()), a * b, "mul");
        AssertBitEqual(Reference.Binary("div", a, b, new DivOp<T>()), a / b, "div");
        AssertBitEqual(Reference.Binary("maximum", a, b, new MaximumOp<T>()), Tensor<T>.Maximum(a, b), "maximum");
        AssertBitEqual(Reference.Binary("minimum", a, b, new MinimumOp<T>()), Tensor<T>.Minimum(a, b), "minimum");
        AssertBitEqual(Reference.Binary("pow", a.Abs(), b, new PowBinaryOp<T>()), a.Abs().Pow(b), "pow");
        AssertBitEqual(Reference.Binary("eq", a, b, new CompareOp<T>(Comparison.Equal)), a.Eq(b), "eq");
        AssertBitEqual(Reference.Binary("ne", a, b, new CompareOp<T>(Comparison.NotEqual)), a.Ne(b), "ne");
        AssertBitEqual(Reference.Binary("lt", a, b, new CompareOp<T>(Comparison.Less)), a.Lt(b), "lt");
        AssertBitEqual(Reference.Binary("le", a, b, new CompareOp<T>(Comparison.LessOrEqual)), a.Le(b), "le");
        AssertBitEqual(Reference.Binary("gt", a, b, new CompareOp<T>(Comparison.Greater)), a.Gt(b), "gt");
        AssertBitEqual(Reference.Binary("ge", a, b, new CompareOp<T>(Comparison.GreaterOrEqual)), a.Ge(b), "ge");
    }

    private static void FastUnaryEqualsReference<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        Properties.Check(Properties.ShapeAndSeed(allowEmpty: true), c => UnaryOpsMatchReference(Make.AnyLayout<T>(c.Shape, c.Seed)));
        Properties.Check(WideShapes, c => UnaryOpsMatchReference(Make.AnyLayout<T>(c.Shape, c.Seed)));
    }

    [Fact]
    public void FastUnaryEqualsReferenceFloat() => FastUnaryEqualsReference<float>();

    [Fact]
    public void FastUnaryEqualsReferenceDouble() => FastUnaryEqualsReference<double>();

    private static void FastBinaryEqualsReference<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        Properties.Check(Properties.BroadcastPair(allowEmpty: true), c =>
            BinaryOpsMatchReference(Make.AnyLayout<T>(c.A, c.Seed), Make.AnyLayout<T>(c.B, c.Seed + 1)));
        // Wide rows, each side possibly broadcast along the last dimension (a stride-0 row).
        var wide = from s in WideShapes
                   from oneA in Gen.Elements(true, false, false)
                   from oneB in Gen.Elements(true, false, false)
                   select (s.Shape, oneA, oneB, s.Seed);
        Properties.Check(wide, c =>
        {
            int[] shapeA = c.oneA ? [.. c.Shape[..^1], 1] : c.Shape;
            int[] shapeB = c.oneB ? [.. c.Shape[..^1], 1] : c.Shape;
            BinaryOpsMatchReference(Make.AnyLayout<T>(shapeA, c.Seed), Make.AnyLayout<T>(shapeB, c.Seed + 1));
        });
    }

    [Fact]
    public void FastBinaryEqualsReferenceFloat() => FastBinaryEqualsReference<float>();

    [Fact]
    public void FastBinaryEqualsReferenceDouble() => FastBinaryEqualsReference<double>();

    private static void BroadcastingEqualsExplicitExpansion<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        Properties.Check(Properties.BroadcastPair(), c =>
        {
            var a = Make.AnyLayout<T>(c.A, c.Seed);
            var b = Make.AnyLayout<T>(c.B, c.Seed + 1);
            int[] shape = Shapes.Broadcast("test", c.A, c.B);
            var ea = a.Expand(shape).Contiguous();
            var eb = b.Expand(shape).Contiguous();
            Assert.True(ea.IsContiguous && eb.IsContiguous);
            AssertBitEqual(ea + eb, a + b, "add");
            AssertBitEqual(ea - eb, a - b, "sub");
            AssertBitEqual(ea * eb, a * b, "mul");
            AssertBitEqual(ea / eb, a / b, "div");
            AssertBitEqual(Tensor<T>.Maximum(ea, eb), Tensor<T>.Maximum(a, b), "maximum");
            AssertBitEqual(ea.Lt(eb), a.Lt(b), "lt");
        });
    }

    [Fact]
    public void BroadcastingEqualsExplicitExpansionFloat() => BroadcastingEqualsExplicitExpansion<float>();

    [Fact]
    public void BroadcastingEqualsExplicitExpansionDouble() => BroadcastingEqualsExplicitExpansion<double>();

    [Fact]
    public void LargeTensorsTakeTheParallelPathAndStillMatchReference()
    {
        // 300 × 257 = 77 100 elements, above Elementwise.ParallelThreshold.
        var a = Make.Randn<float>([300, 257], 1);
        var b = Make.Randn<float>([257, 300], 2).Transpose();
        var row = Make.Randn<float>([257], 3);
        Assert.True(a.Count > Elementwise.ParallelThreshold);
        AssertBitEqual(Reference.Binary("add", a, b, new AddOp<float>()), a + b, "add");
        AssertBitEqual(Reference.Binary("mul", a, row, new MulOp<float>()), a * row, "mul");
        AssertBitEqual(Reference.Unary(b, new TanhOp<float>()), b.Tanh(), "tanh");
        AssertBitEqual(Reference.Unary(a, new ReluOp<float>()), a.Relu(), "relu");
    }

    [Fact]
    public void ScalarOperatorsBroadcastTheScalar()
    {
        var x = Tensor<double>.FromArray([1, 2, 4], 3);
        Assert.Equal([3.0, 4, 6], (x + 2.0).ToArray());
        Assert.Equal([1.0, 0, -2], (2.0 - x).ToArray());
        Assert.Equal([2.0, 4, 8], (2.0 * x).ToArray());
        Assert.Equal([0.5, 1, 2], (x / 2.0).ToArray());
        Assert.Equal([4.0, 2, 1], (4.0 / x).ToArray());
        Assert.Equal([-1.0, -2, -4], (-x).ToArray());
        Assert.Equal([0.0, 1, 1], x.Gt(1.5).ToArray());
        Assert.Equal([0.0, 1, 0], x.Eq(2.0).ToArray());
    }

    /// <summary>
    /// maximum, minimum and the six comparisons on pairs that are below, equal and above, against their
    /// truth tables (the property tests compare the fast kernels with the reference through the same op, so a
    /// wrong op would pass there).
    /// </summary>
    [Fact]
    public void BinaryOpsComputeTheirTruthTables()
    {
        var a = Tensor<double>.FromArray([1, 2, 3], 3);
        var b = Tensor<double>.FromArray([2, 2, 1], 3);
        Assert.Equal([2.0, 2, 3], Tensor<double>.Maximum(a, b).ToArray());
        Assert.Equal([1.0, 2, 1], Tensor<double>.Minimum(a, b).ToArray());
        Assert.Equal([0.0, 1, 0], a.Eq(b).ToArray());
        Assert.Equal([1.0, 0, 1], a.Ne(b).ToArray());
        Assert.Equal([1.0, 0, 0], a.Lt(b).ToArray());
        Assert.Equal([1.0, 1, 0], a.Le(b).ToArray());
        Assert.Equal([0.0, 0, 1], a.Gt(b).ToArray());
        Assert.Equal([0.0, 1, 1], a.Ge(b).ToArray());
    }

    [Fact]
    public void UnaryOpsComputeTheirFormulas()
    {
        var x = Tensor<double>.FromArray([-2, -0.5, 0, 0.5, 3], 5);
        double[] v = [-2, -0.5, 0, 0.5, 3];
        Assert.Equal(v.Select(t => Math.Max(t, 0)), x.Relu().ToArray());
        Assert.Equal(v.Select(t => 1 / (1 + Math.Exp(-t))).ToArray(), x.Sigmoid().ToArray(), (p, q) => Math.Abs(p - q) < 1e-15);
        Assert.Equal(v.Select(Math.Tanh), x.Tanh().ToArray());
        double c = Math.Sqrt(2 / Math.PI);
        Assert.Equal(v.Select(t => 0.5 * t * (1 + Math.Tanh(c * (t + 0.044715 * t * t * t)))).ToArray(), x.Gelu().ToArray(), (p, q) => Math.Abs(p - q) < 1e-15);
        // Sigmoid does not overflow for very negative inputs.
        Assert.Equal(0.0, Tensor<double>.Scalar(-1000).Sigmoid().Item());
        Assert.Equal(1.0, Tensor<double>.Scalar(1000).Sigmoid().Item());
    }

    [Fact]
    public void ReluOfNaNIsNaNInEveryLane()
    {
        // 19 elements: some go through the SIMD loop, the rest through the scalar tail; both must agree.
        var x = Tensor<float>.Full([19], float.NaN);
        Assert.All(x.Relu().ToArray(), v => Assert.True(float.IsNaN(v)));
        Assert.All(Tensor<float>.Maximum(x, Tensor<float>.Zeros(19)).ToArray(), v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void WhereAndMaskedFillPickByCondition()
    {
        var cond = Tensor<double>.FromArray([1, 0, 1], 3);
        var a = Tensor<double>.FromArray([1, 2, 3, 4, 5, 6], 2, 3);
        var b = Tensor<double>.Scalar(-1);
        Assert.Equal([1.0, -1, 3, 4, -1, 6], Tensor<double>.Where(cond, a, b).ToArray());
        var causal = Tensor<double>.FromArray([0, 1, 0, 0], 2, 2);
        var filled = Tensor<double>.Ones(2, 2).MaskedFill(causal, double.NegativeInfinity);
        Assert.Equal([1.0, double.NegativeInfinity, 1, 1], filled.ToArray());
    }

    [Fact]
    public void WhereEqualsItsArithmeticForm()
    {
        // With a 0/1 mask and finite values, where(c, a, b) = c·a + (1 − c)·b, all three broadcasting.
        var cases = from pair in Properties.BroadcastPair()
                    from c in Properties.Shape(0, 2)
                    select (pair.A, pair.B, C: c.Select(s => 1).ToArray(), pair.Seed);
        Properties.Check(cases, c =>
        {
            var a = Make.AnyLayout<double>(c.A, c.Seed);
            var b = Make.AnyLayout<double>(c.B, c.Seed + 1);
            var mask = Make.AnyLayout<double>(Shapes.Broadcast("test", c.A, c.B), c.Seed + 2).Gt(0);
            Assert.Equal((mask * a + (1.0 - mask) * b).ToArray(), Tensor<double>.Where(mask, a, b).ToArray());
            var scalarMask = Make.AnyLayout<double>(c.C, c.Seed + 3).Gt(0);
            Assert.Equal((scalarMask * a + (1.0 - scalarMask) * b).ToArray(), Tensor<double>.Where(scalarMask, a, b).ToArray());
        });
    }

    /// <summary>
    /// Float GELU runs each full vector of lanes through its SIMD form (σ(2u)) and only the last Length mod W numbers
    /// through the scalar tanh form; the two differ in the last bits, so the split is visible.
    /// </summary>
    [Fact]
    public void FloatGeluTakesTheSimdFormForEveryFullVector()
    {
        var op = new GeluOp<float>();
        int w = System.Numerics.Vector<float>.Count, differences = 0;
        for (int n = 1; n <= 3 * w + 2; n++)
        {
            float[] x = Make.Randn<float>([n], n).ToArray().Select(v => 3 * v).ToArray();
            float[] y = Tensor<float>.FromArray(x, n).Gelu().ToArray();
            int full = n / w * w;
            for (int i = 0; i < n; i++)
            {
                float scalar = op.Apply(x[i]);
                if (i >= full)
                {
                    Assert.True(scalar.Equals(y[i]), $"n {n}, element {i} (tail): scalar form {scalar}, got {y[i]}");
                    continue;
                }
                float simd = op.Apply(new System.Numerics.Vector<float>(x[(i / w * w)..]))[i % w];
                Assert.True(simd.Equals(y[i]), $"n {n}, element {i}: SIMD form {simd}, got {y[i]}");
                differences += simd.Equals(scalar) ? 0 : 1;
            }
        }
        Assert.True(differences > 0, "the SIMD and scalar forms agree everywhere here: this test could not see the split");
    }
}
