using FsCheck;
using FsCheck.Fluent;
using Scratch.Tensors;

namespace Scratch.Autograd.Tests;

// Gradient properties of the arithmetic and elementwise ops: random shapes (rank 0–3, size-1 dimensions),
// broadcastable pairs for binary ops, inputs as transposed, strided or expanded views.
public sealed class ElementwiseGradientTests
{
    private static void Unary(Domain domain, Func<Var<double>, Var<double>> op, Func<Tensor<double>, Tensor<double>>? expected = null)
    {
        var gen =
            from shape in Properties.Shape(0, 3)
            from layout in Properties.AnyLayout
            from seed in Properties.Seed
            select (Input: new Input(shape, layout, domain), Seed: seed);
        Properties.Check(gen, c =>
        {
            Properties.AssertGradients([c.Input], c.Seed, x => op(x[0]));
            if (expected is not null)
            {
                var x = Properties.Present(Properties.Leaves([c.Input], c.Seed)[0], c.Input);
                Properties.AssertClose(expected(x), op(new Var<double>(x)).Value, c.Input.ToString());
            }
        });
    }

    private static void Binary(Domain domainB, Func<Var<double>, Var<double>, Var<double>> op)
    {
        var gen =
            from pair in Properties.BroadcastPair
            from layoutA in Properties.AnyLayout
            from layoutB in Properties.AnyLayout
            from seed in Properties.Seed
            select (A: new Input(pair.A, layoutA), B: new Input(pair.B, layoutB, domainB), Seed: seed);
        Properties.Check(gen, c => Properties.AssertGradients([c.A, c.B], c.Seed, x => op(x[0], x[1])));
    }

    [Fact]
    public void Gradient_Add() => Binary(Domain.Any, (a, b) => a + b);

    [Fact]
    public void Gradient_Sub() => Binary(Domain.Any, (a, b) => Var<double>.Sub(a, b));

    [Fact]
    public void Gradient_Mul() => Binary(Domain.Any, (a, b) => a * b);

    [Fact]
    public void Gradient_Div() => Binary(Domain.Positive, (a, b) => a / b);

    [Fact]
    public void Gradient_Neg() => Unary(Domain.Any, x => -x);

    /// <summary>The (Var, number) and (number, Var) operators, each checked forward and backward.</summary>
    [Fact]
    public void Gradient_ScalarOperators()
    {
        var gen =
            from shape in Properties.Shape(0, 3)
            from layout in Properties.AnyLayout
            from which in Gen.Choose(0, 7)
            from s in Gen.Elements(-1.5, 0.5, 3.0)
            from seed in Properties.Seed
            select (Input: new Input(shape, layout, which == 7 ? Domain.Positive : Domain.Any), Which: which, S: s, Seed: seed);
        Properties.Check(gen, c =>
        {
            Var<double> Op(Var<double> x) => c.Which switch
            {
                0 => x + c.S,
                1 => c.S + x,
                2 => x - c.S,
                3 => c.S - x,
                4 => x * c.S,
                5 => c.S * x,
                6 => x / c.S,
                _ => c.S / x,
            };
            Tensor<double> Expected(Tensor<double> x) => c.Which switch
            {
                0 => x + Tensor<double>.Scalar(c.S),
                1 => Tensor<double>.Scalar(c.S) + x,
                2 => x - Tensor<double>.Scalar(c.S),
                3 => Tensor<double>.Scalar(c.S) - x,
                4 => x * Tensor<double>.Scalar(c.S),
                5 => Tensor<double>.Scalar(c.S) * x,
                6 => x / Tensor<double>.Scalar(c.S),
                _ => Tensor<double>.Scalar(c.S) / x,
            };
            Properties.AssertGradients([c.Input], c.Seed, x => Op(x[0]));
            var x = Properties.Present(Properties.Leaves([c.Input], c.Seed)[0], c.Input);
            Properties.AssertClose(Expected(x), Op(new Var<double>(x)).Value, $"operator {c.Which} with {c.S}");
        });
    }

    [Fact]
    public void Gradient_Pow()
    {
        foreach (double p in new[] { -1.5, -1.0, 0.5, 2.0, 2.5, 3.0 })
        {
            Unary(Domain.Positive, x => x.Pow(p), x => Map(x, v => Math.Pow(v, p)));
        }
    }

    [Fact]
    public void Gradient_Exp() => Unary(Domain.Any, x => x.Exp());

    [Fact]
    public void Gradient_Log() => Unary(Domain.Positive, x => x.Log());

    [Fact]
    public void Gradient_Sqrt() => Unary(Domain.Positive, x => x.Sqrt(), x => Map(x, Math.Sqrt));

    [Fact]
    public void Gradient_Abs() => Unary(Domain.AwayFromZero, x => x.Abs());

    [Fact]
    public void Gradient_Tanh() => Unary(Domain.Any, x => x.Tanh());

    [Fact]
    public void Gradient_Sigmoid() => Unary(Domain.Any, x => x.Sigmoid(), x => Map(x, v => 1 / (1 + Math.Exp(-v))));

    [Fact]
    public void Gradient_Relu() => Unary(Domain.AwayFromZero, x => x.Relu(), x => Map(x, v => Math.Max(v, 0)));

    [Fact]
    public void Gradient_Gelu() => Unary(Domain.Any, x => x.Gelu(),
        x => Map(x, v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)))));

    /// <summary>
    /// At the kink, where central differences cannot decide, the gradient is PyTorch's choice: |x|′(0) = sign(0) = 0 and
    /// relu′(0) = 0. The properties above draw x away from 0, so this is the only test of the rule there.
    /// </summary>
    [Fact]
    public void GradientAtZeroIsPyTorchs()
    {
        var x = new Var<double>(Tensor<double>.FromArray([-2.0, 0.0, 3.0], 3), requiresGrad: true);
        var dy = Tensor<double>.FromArray([5.0, 7.0, 11.0], 3);
        x.Abs().Backward(dy);
        Assert.Equal([-5.0, 0.0, 11.0], x.Grad!.ToArray()); // dy · sign(x)
        x.ZeroGrad();
        x.Relu().Backward(dy);
        Assert.Equal([0.0, 0.0, 11.0], x.Grad!.ToArray()); // dy · [x > 0]
    }

    /// <summary>An independent forward: f applied to each element in a plain loop.</summary>
    private static Tensor<double> Map(Tensor<double> x, Func<double, double> f) =>
        Tensor<double>.FromArray(x.ToArray().Select(f).ToArray(), x.ShapeArray());
}
