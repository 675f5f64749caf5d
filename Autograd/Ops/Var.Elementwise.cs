using Scratch.Tensors;

namespace Scratch.Autograd;

// Elementwise functions of one value: y = f(x), so ∂L/∂x = ∂L/∂y · f′(x), element by element.
// Where f′ is easiest to write in terms of the output (exp, sqrt), the backward pass reuses y.
public sealed partial class Var<T>
{
    /// <summary>y = xᵖ      ∂L/∂x = ∂L/∂y · p · xᵖ⁻¹</summary>
    /// <param name="exponent">The constant power p (for non-integer p, x must be positive).</param>
    public Var<T> Pow(T exponent)
    {
        var x = this;
        var y = x.Value.Pow(exponent);
        return Record("pow", y, [x], dy => x.AccumulateGrad(dy * exponent * x.Value.Pow(exponent - T.One)));
    }

    /// <summary>y = eˣ      ∂L/∂x = ∂L/∂y · y</summary>
    public Var<T> Exp()
    {
        var x = this;
        var y = x.Value.Exp();
        return Record("exp", y, [x], dy => x.AccumulateGrad(dy * y));
    }

    /// <summary>y = ln x      ∂L/∂x = ∂L/∂y / x</summary>
    public Var<T> Log()
    {
        var x = this;
        var y = x.Value.Log();
        return Record("log", y, [x], dy => x.AccumulateGrad(dy / x.Value));
    }

    /// <summary>y = √x      ∂L/∂x = ∂L/∂y / (2y)</summary>
    public Var<T> Sqrt()
    {
        var x = this;
        var y = x.Value.Sqrt();
        return Record("sqrt", y, [x], dy => x.AccumulateGrad(dy / (y * T.CreateChecked(2))));
    }

    /// <summary>y = |x|      ∂L/∂x = ∂L/∂y · sign(x)      (sign(0) = 0, as in PyTorch)</summary>
    public Var<T> Abs()
    {
        var x = this;
        var y = x.Value.Abs();
        return Record("abs", y, [x], dy =>
        {
            var sign = x.Value.Gt(T.Zero) - x.Value.Lt(T.Zero); // +1, 0 or −1
            x.AccumulateGrad(dy * sign);
        });
    }
}
