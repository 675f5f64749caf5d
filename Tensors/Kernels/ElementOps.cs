using System.Numerics;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// A function of one number, y = f(x), written once as a scalar formula and, where SIMD has the
/// instructions, once more for a whole <see cref="Vector{T}"/> of lanes. The kernels are generic over
/// the op, so the JIT compiles one specialised loop per op with the call inlined.
/// </summary>
internal interface IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>y = f(x) for one number.</summary>
    T Apply(T x);

    /// <summary>True when <see cref="Apply(Vector{T})"/> exists.</summary>
    bool Vectorized => false;

    /// <summary>f applied to every lane.</summary>
    Vector<T> Apply(Vector<T> x) => throw new NotSupportedException();
}

/// <summary>A function of two numbers, z = f(x, y), with an optional SIMD form.</summary>
internal interface IBinaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>z = f(x, y) for one pair.</summary>
    T Apply(T x, T y);

    /// <summary>True when <see cref="Apply(Vector{T}, Vector{T})"/> exists.</summary>
    bool Vectorized => false;

    /// <summary>f applied lane by lane.</summary>
    Vector<T> Apply(Vector<T> x, Vector<T> y) => throw new NotSupportedException();
}

// The unary ops. Each line is the formula.
internal readonly struct NegOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T x) => -x;
    // Stryker disable once Boolean : −x is exact in a SIMD lane and in scalar code, so the vector form decides only the speed
    public bool Vectorized => true;
    public Vector<T> Apply(Vector<T> x) => -x;
}

internal readonly struct AbsOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T x) => T.Abs(x);
    // Stryker disable once Boolean : |x| is exact in a SIMD lane and in scalar code, so the vector form decides only the speed
    public bool Vectorized => true;
    public Vector<T> Apply(Vector<T> x) => Vector.Abs(x);
}

internal readonly struct ExpOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T x) => T.Exp(x);
}

internal readonly struct LogOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T x) => T.Log(x);
}

internal readonly struct SqrtOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T x) => T.Sqrt(x);
    // Stryker disable once Boolean : √x is correctly rounded in a SIMD lane and in scalar code (IEEE 754), so the vector form decides only the speed
    public bool Vectorized => true;
    public Vector<T> Apply(Vector<T> x) => Vector.SquareRoot(x);
}

internal readonly struct PowOp<T>(T exponent) : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T x) => T.Pow(x, exponent);
}

internal readonly struct TanhOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T x) => T.Tanh(x);
}

/// <summary>σ(x) = 1 / (1 + e⁻ˣ), computed as eˣ / (1 + eˣ) for x &lt; 0 so no exp overflows.</summary>
internal readonly struct SigmoidOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T x)
    {
        if (T.IsNegative(x)) // x < 0 (or −0, where both forms give 1/2): eˣ ≤ 1 cannot overflow
        {
            T e = T.Exp(x);
            return e / (T.One + e);
        }
        return T.One / (T.One + T.Exp(-x));
    }
}

/// <summary>max(x, 0); NaN stays NaN, as in PyTorch and as <see cref="Vector.Max{T}"/> does in the SIMD lanes.</summary>
internal readonly struct ReluOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T x) => T.Max(x, T.Zero);
    // Stryker disable once Boolean : max(x, 0) is exact and keeps NaN in a SIMD lane and in scalar code (ReluOfNaNIsNaNInEveryLane), so the vector form decides only the speed
    public bool Vectorized => true;
    public Vector<T> Apply(Vector<T> x) => Vector.Max(x, Vector<T>.Zero);
}

/// <summary>GELU, tanh form (GPT-2): ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
internal readonly struct GeluOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static readonly T Half = T.CreateChecked(0.5);
    public static readonly T Coefficient = T.CreateChecked(0.044715);
    public static readonly T SqrtTwoOverPi = T.CreateChecked(Math.Sqrt(2.0 / Math.PI));

    public T Apply(T x) => Half * x * (T.One + T.Tanh(SqrtTwoOverPi * (x + Coefficient * x * x * x)));

    /// <summary>float only: double keeps the exact scalar formula, for gradient checks.</summary>
    public bool Vectorized => typeof(T) == typeof(float) && VectorMath.HasExp<T>();

    /// <summary>
    /// The same function through ½·(1 + tanh u) = σ(2u) = 1 / (1 + e^(−2u)), so one SIMD exp does it:
    /// y = x / (1 + e^(−2u)). Equal to the tanh form up to rounding (the tests hold it to it).
    /// </summary>
    public Vector<T> Apply(Vector<T> x)
    {
        var u = new Vector<T>(SqrtTwoOverPi) * (x + new Vector<T>(Coefficient) * x * x * x);
        return x / (Vector<T>.One + VectorMath.Exp(-(u + u)));
    }
}

// The binary ops.
internal readonly struct AddOp<T> : IBinaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T x, T y) => x + y;
    // Stryker disable once Boolean : x + y is correctly rounded in a SIMD lane and in scalar code, so the vector form decides only the speed
    public bool Vectorized => true;
    public Vector<T> Apply(Vector<T> x, Vector<T> y) => x + y;
}

internal readonly struct SubOp<T> : IBinaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T x, T y) => x - y;
    // Stryker disable once Boolean : x − y is correctly rounded in a SIMD lane and in scalar code, so the vector form decides only the speed
    public bool Vectorized => true;
    public Vector<T> Apply(Vector<T> x, Vector<T> y) => x - y;
}

internal readonly struct MulOp<T> : IBinaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T x, T y) => x * y;
    // Stryker disable once Boolean : x · y is correctly rounded in a SIMD lane and in scalar code, so the vector form decides only the speed
    public bool Vectorized => true;
    public Vector<T> Apply(Vector<T> x, Vector<T> y) => x * y;
}

internal readonly struct DivOp<T> : IBinaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T x, T y) => x / y;
    // Stryker disable once Boolean : x / y is correctly rounded in a SIMD lane and in scalar code, so the vector form decides only the speed
    public bool Vectorized => true;
    public Vector<T> Apply(Vector<T> x, Vector<T> y) => x / y;
}

/// <summary>max(x, y); NaN if either is NaN, as in PyTorch.</summary>
internal readonly struct MaximumOp<T> : IBinaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T x, T y) => T.Max(x, y);
}

/// <summary>min(x, y); NaN if either is NaN, as in PyTorch.</summary>
internal readonly struct MinimumOp<T> : IBinaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T x, T y) => T.Min(x, y);
}

/// <summary>x^y with a tensor exponent.</summary>
internal readonly struct PowBinaryOp<T> : IBinaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T x, T y) => T.Pow(x, y);
}

/// <summary>Which comparison a <see cref="CompareOp{T}"/> makes.</summary>
internal enum Comparison
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

/// <summary>1 where the comparison holds, 0 where it does not.</summary>
internal readonly struct CompareOp<T>(Comparison comparison) : IBinaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Apply(T x, T y) => comparison switch
    {
        Comparison.Equal => x == y,
        Comparison.NotEqual => x != y,
        Comparison.Less => x < y,
        Comparison.LessOrEqual => x <= y,
        Comparison.Greater => x > y,
        _ => x >= y,
    } ? T.One : T.Zero;
}
