using Scratch.Tensors;

namespace Scratch.Autograd;

// Arithmetic with a plain number. The number becomes a constant: a leaf of shape [] that needs no
// gradient, broadcast like any other operand. So x * 2 is Mul(x, 2) and its gradient rule is Mul's:
// ∂L/∂x = ∂L/∂z · 2, with nothing sent to the constant.
public sealed partial class Var<T>
{
    /// <summary>A number as a graph leaf of shape [] that needs no gradient.</summary>
    private static Var<T> Constant(T value) => new(Tensor<T>.Scalar(value));

    /// <summary>z = a + s      ∂L/∂a = ∂L/∂z</summary>
    public static Var<T> operator +(Var<T> a, T s) => Add(a, Constant(s));

    /// <summary>z = s + a      ∂L/∂a = ∂L/∂z</summary>
    public static Var<T> operator +(T s, Var<T> a) => Add(Constant(s), a);

    /// <summary>z = a − s      ∂L/∂a = ∂L/∂z</summary>
    public static Var<T> operator -(Var<T> a, T s) => Sub(a, Constant(s));

    /// <summary>z = s − a      ∂L/∂a = −∂L/∂z</summary>
    public static Var<T> operator -(T s, Var<T> a) => Sub(Constant(s), a);

    /// <summary>z = a · s      ∂L/∂a = ∂L/∂z · s</summary>
    public static Var<T> operator *(Var<T> a, T s) => Mul(a, Constant(s));

    /// <summary>z = s · a      ∂L/∂a = s · ∂L/∂z</summary>
    public static Var<T> operator *(T s, Var<T> a) => Mul(Constant(s), a);

    /// <summary>z = a / s      ∂L/∂a = ∂L/∂z / s</summary>
    public static Var<T> operator /(Var<T> a, T s) => Div(a, Constant(s));

    /// <summary>z = s / a      ∂L/∂a = −∂L/∂z · s / a²</summary>
    public static Var<T> operator /(T s, Var<T> a) => Div(Constant(s), a);
}
