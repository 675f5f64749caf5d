using Scratch.Tensors;

namespace Scratch.Autograd;

// Ops/ holds the parts of Var<T>, one op (or a few close ones) per file. They share Var's namespace
// because they are one type; the folder only groups the files.

// Arithmetic with broadcasting. A broadcast in the forward pass copies one number to many places, so
// in the backward pass those places' gradients are summed back into the one number: SumTo(shape).
// An input that needs no gradient (data, or the constant of x * 2) gets none computed.
public sealed partial class Var<T>
{
    /// <summary>
    /// z = a + b (broadcasting)      ∂L/∂a = SumTo(∂L/∂z, a.shape)      ∂L/∂b = SumTo(∂L/∂z, b.shape)
    /// </summary>
    public static Var<T> Add(Var<T> a, Var<T> b)
    {
        var z = a.Value + b.Value;
        return Record("add", z, [a, b], dz =>
        {
            if (a.RequiresGrad)
            {
                a.AccumulateGrad(dz.SumTo(a.Shape));
            }
            if (b.RequiresGrad)
            {
                b.AccumulateGrad(dz.SumTo(b.Shape));
            }
        });
    }

    /// <summary>
    /// z = a − b (broadcasting)      ∂L/∂a = SumTo(∂L/∂z, a.shape)      ∂L/∂b = −SumTo(∂L/∂z, b.shape)
    /// </summary>
    public static Var<T> Sub(Var<T> a, Var<T> b)
    {
        var z = a.Value - b.Value;
        return Record("sub", z, [a, b], dz =>
        {
            if (a.RequiresGrad)
            {
                a.AccumulateGrad(dz.SumTo(a.Shape));
            }
            if (b.RequiresGrad)
            {
                b.AccumulateGrad(-dz.SumTo(b.Shape));
            }
        });
    }

    /// <summary>
    /// z = a · b elementwise (broadcasting)      ∂L/∂a = SumTo(∂L/∂z · b, a.shape)      ∂L/∂b = SumTo(∂L/∂z · a, b.shape)
    /// </summary>
    public static Var<T> Mul(Var<T> a, Var<T> b)
    {
        var z = a.Value * b.Value;
        return Record("mul", z, [a, b], dz =>
        {
            if (a.RequiresGrad)
            {
                a.AccumulateGrad((dz * b.Value).SumTo(a.Shape));
            }
            if (b.RequiresGrad)
            {
                b.AccumulateGrad((dz * a.Value).SumTo(b.Shape));
            }
        });
    }

    /// <summary>
    /// z = a / b elementwise (broadcasting)      ∂L/∂a = SumTo(∂L/∂z / b, a.shape)      ∂L/∂b = SumTo(−∂L/∂z · a / b², b.shape)
    /// </summary>
    /// <remarks>In the backward pass a / b² is computed as z / b, reusing the forward result.</remarks>
    public static Var<T> Div(Var<T> a, Var<T> b)
    {
        var z = a.Value / b.Value;
        return Record("div", z, [a, b], dz =>
        {
            if (a.RequiresGrad)
            {
                a.AccumulateGrad((dz / b.Value).SumTo(a.Shape));
            }
            if (b.RequiresGrad)
            {
                b.AccumulateGrad((-dz * z / b.Value).SumTo(b.Shape));
            }
        });
    }

    /// <summary>y = −x      ∂L/∂x = −∂L/∂y</summary>
    public Var<T> Neg()
    {
        var x = this;
        return Record("neg", -x.Value, [x], dy => x.AccumulateGrad(-dy));
    }

    /// <summary>Elementwise sum (see <see cref="Add"/>).</summary>
    public static Var<T> operator +(Var<T> a, Var<T> b) => Add(a, b);

    /// <summary>Elementwise difference (see <see cref="Sub"/>).</summary>
    public static Var<T> operator -(Var<T> a, Var<T> b) => Sub(a, b);

    /// <summary>Elementwise product (see <see cref="Mul"/>).</summary>
    public static Var<T> operator *(Var<T> a, Var<T> b) => Mul(a, b);

    /// <summary>Elementwise quotient (see <see cref="Div"/>).</summary>
    public static Var<T> operator /(Var<T> a, Var<T> b) => Div(a, b);

    /// <summary>Negation.</summary>
    public static Var<T> operator -(Var<T> x) => x.Neg();
}
