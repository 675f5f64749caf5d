using FsCheck.Fluent;
using Scratch.Tensors;

namespace Scratch.Autograd.Tests;

// Var.Custom: an op written by the caller. Its rule is held to the same standard as the library's (a gradient
// check), and a rule that breaks the contract fails loudly, naming the op.
public sealed class CustomOpTests
{
    private static Var<double> Leaf(double[] data, string name, bool requiresGrad = true) =>
        new(Tensor<double>.FromArray(data, data.Length), requiresGrad, name);

    /// <summary>y = x³, ∂L/∂x = ∂L/∂y · 3x²: the example in Custom's doc comment.</summary>
    private static Var<double> Cube(Var<double> x) =>
        Var<double>.Custom("cube", x.Value * x.Value * x.Value, [x], dy => [dy * x.Value * x.Value * 3.0]);

    /// <summary>
    /// The property every op has (OpCoverageTests): y = a ⊙ b + a³ as a custom op, with the rule
    /// ∂L/∂a = ∂L/∂y ⊙ (b + 3a²), ∂L/∂b = ∂L/∂y ⊙ a, on random shapes with inputs as transposed, strided or expanded views.
    /// </summary>
    [Fact]
    public void Gradient_Custom()
    {
        var gen =
            from shape in Properties.Shape(0, 3)
            from layoutA in Properties.AnyLayout
            from layoutB in Properties.AnyLayout
            from seed in Properties.Seed
            select (A: new Input(shape, layoutA), B: new Input(shape, layoutB), Seed: seed);
        Properties.Check(gen, c => Properties.AssertGradients([c.A, c.B], c.Seed, x =>
        {
            var (a, b) = (x[0].Value, x[1].Value);
            return Var<double>.Custom("ab_plus_a3", a * b + a * a * a, [x[0], x[1]], dy => [dy * (b + 3.0 * a * a), dy * a]);
        }));
    }

    [Fact]
    public void A_right_rule_passes_the_gradient_check_and_a_wrong_one_fails_it()
    {
        var inputs = new[] { Tensor<double>.FromArray([0.5, -1.5, 2.0], 3) };
        Assert.True(GradCheck.Run(xs => Cube(xs[0]), inputs).Passed(1e-6));

        static Var<double> WrongCube(Var<double> x) =>
            Var<double>.Custom("cube", x.Value * x.Value * x.Value, [x], dy => [dy * x.Value * x.Value * 2.0]);
        var result = GradCheck.Run(xs => WrongCube(xs[0]), inputs);
        Assert.False(result.Passed(1e-6));
        Assert.Equal(1.0 / 3.0, result.RelativeError, 1e-6); // 2x² against 3x²
    }

    [Fact]
    public void A_custom_op_records_its_name_and_parents_and_its_gradients_accumulate()
    {
        var a = Leaf([1.0, 2.0], "a");
        var b = Leaf([3.0, -1.0], "b");
        // y = a · b with a rule per input; used together with a library op on a
        var y = Var<double>.Custom("times", a.Value * b.Value, [a, b], dy => [dy * b.Value, dy * a.Value]);
        var L = (y + a).Sum();
        L.Backward();
        Assert.Equal("times", y.Op);
        Assert.Same(a, y.Parents[0]);
        Assert.Same(b, y.Parents[1]);
        Assert.Equal([4.0, 0.0], a.Grad!.ToArray());  // b + 1
        Assert.Equal([1.0, 2.0], b.Grad!.ToArray());  // a
    }

    [Fact]
    public void Null_means_nothing_is_sent_and_inputs_that_need_no_gradient_get_none()
    {
        var a = Leaf([1.0, 2.0], "a");
        var data = Leaf([5.0, 6.0], "data", requiresGrad: false);
        var c = Leaf([1.0, 1.0], "c");
        var y = Var<double>.Custom("pick", a.Value + data.Value + c.Value, [a, data, c], dy => [dy, dy, null]);
        y.Sum().Backward();
        Assert.Equal([1.0, 1.0], a.Grad!.ToArray());
        Assert.Null(data.Grad);
        Assert.Null(c.Grad);
    }

    [Fact]
    public void One_returned_tensor_may_serve_two_inputs_without_being_written_into()
    {
        var a = Leaf([1.0, 2.0], "a");
        var b = Leaf([3.0, 4.0], "b");
        var shared = Tensor<double>.FromArray([10.0, 20.0], 2);
        var y = Var<double>.Custom("both", a.Value + b.Value, [a, b], dy => [shared, shared]);
        var L = (y + a).Sum(); // a receives a second contribution, added after the borrowed one
        L.Backward();
        Assert.Equal([11.0, 21.0], a.Grad!.ToArray());
        Assert.Equal([10.0, 20.0], b.Grad!.ToArray());
        Assert.Equal([10.0, 20.0], shared.ToArray());
    }

    [Fact]
    public void A_rule_that_returns_the_wrong_count_or_shape_fails_naming_the_op()
    {
        var a = Leaf([1.0, 2.0], "a");
        var tooFew = Var<double>.Custom("few", a.Value * 2.0, [a, a], dy => [dy]);
        var error = Assert.Throws<InvalidOperationException>(() => tooFew.Sum().Backward());
        Assert.Equal("backward of few: returned 1 gradients for its 2 inputs; return one per input (null for none)", error.Message);

        var wrongShape = Var<double>.Custom("flat", a.Value * 2.0, [a], dy => [dy.Sum()]);
        error = Assert.Throws<InvalidOperationException>(() => wrongShape.Sum().Backward());
        Assert.Equal("backward of flat: the gradient for input 0 (a leaf [2]) has shape []; it must have the input's shape [2]", error.Message);
    }

    [Fact]
    public void Without_an_input_that_needs_a_gradient_it_is_a_plain_value()
    {
        var data = Leaf([1.0], "data", requiresGrad: false);
        bool called = false;
        var y = Var<double>.Custom("c", data.Value, [data], dy => { called = true; return [dy]; });
        Assert.True(y.IsLeaf);
        Assert.False(y.RequiresGrad);
        Assert.False(called);
        Assert.Throws<ArgumentException>(() => Var<double>.Custom("", data.Value, [data], dy => [dy]));
    }
}
