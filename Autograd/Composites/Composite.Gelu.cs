using System.Numerics;

namespace Scratch.Autograd.Composites;

public static partial class Composite
{
    /// <summary>
    /// GELU, tanh form (<see cref="Var{T}.Gelu"/>), from primitive ops: y = ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
    /// </summary>
    /// <param name="x">The input, any shape.</param>
    /// <returns>y, the shape of <paramref name="x"/>.</returns>
    public static Var<T> Gelu<T>(Var<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        var u = (x + x.Pow(T.CreateChecked(3)) * T.CreateChecked(0.044715)) * T.CreateChecked(Math.Sqrt(2 / Math.PI));
        return x * T.CreateChecked(0.5) * (u.Tanh() + T.One);
    }
}
