using Scratch.Autograd.Kernels;
using Scratch.Tensors;

namespace Scratch.Autograd;

// The nonlinearities of a neural network, elementwise: y = f(x), ∂L/∂x = ∂L/∂y · f′(x).
public sealed partial class Var<T>
{
    /// <summary>y = tanh(x)      ∂L/∂x = ∂L/∂y · (1 − y²)</summary>
    public Var<T> Tanh()
    {
        var x = this;
        var y = x.Value.Tanh();
        return Record("tanh", y, [x], dy => x.AccumulateGrad(dy * (T.One - y * y)));
    }

    /// <summary>y = σ(x) = 1 / (1 + e⁻ˣ)      ∂L/∂x = ∂L/∂y · y · (1 − y)</summary>
    public Var<T> Sigmoid()
    {
        var x = this;
        var y = x.Value.Sigmoid();
        return Record("sigmoid", y, [x], dy => x.AccumulateGrad(dy * y * (T.One - y)));
    }

    /// <summary>y = max(x, 0)      ∂L/∂x = ∂L/∂y · [x &gt; 0]      (0 at x = 0, as in PyTorch)</summary>
    public Var<T> Relu()
    {
        var x = this;
        var y = x.Value.Relu();
        return Record("relu", y, [x], dy => x.AccumulateGrad(dy * x.Value.Gt(T.Zero)));
    }

    /// <summary>
    /// GELU, tanh form (GPT-2's): y = ½·x·(1 + tanh u),  u = √(2/π)·(x + 0.044715·x³)
    /// <para>∂L/∂x = ∂L/∂y · (½·(1 + tanh u) + ½·x·(1 − tanh² u)·√(2/π)·(1 + 3·0.044715·x²))</para>
    /// <para>
    /// The product rule on ½·x·(1 + tanh u), with tanh′ = 1 − tanh² and u′ = √(2/π)·(1 + 3·0.044715·x²). Three
    /// versions compute it, each tested equal to the next: Composite.Gelu (made of mul, add, pow and tanh, its
    /// gradient from the engine), GeluReference (the rule above, element by element) and GeluFast (SIMD, all
    /// cores), which this op runs.
    /// </para>
    /// </summary>
    public Var<T> Gelu()
    {
        var x = this;
        var y = GeluFast.Forward(x.Value);
        return Record("gelu", y, [x], dy => x.AccumulateGrad(GeluFast.Backward(x.Value, dy)));
    }
}
