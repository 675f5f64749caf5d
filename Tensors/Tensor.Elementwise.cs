using Scratch.Tensors.Kernels;

namespace Scratch.Tensors;

// Elementwise math: y = f(x) for each element, and z = f(x, y) with NumPy broadcasting.
public sealed partial class Tensor<T>
{
    private Tensor<T> Map<TOp>(TOp op) where TOp : struct, IUnaryOp<T>
    {
        var y = GC.AllocateUninitializedArray<T>(Count); // every element is written below
        Elementwise.Unary(this, y, op);
        return new Tensor<T>(y, ShapeArray());
    }

    /// <summary>
    /// z = f(a, b) after broadcasting: shapes align on the right and size-1 dimensions stretch
    /// ([B,T,C] + [C] adds the vector to every row).
    /// </summary>
    private static Tensor<T> Zip<TOp>(string name, Tensor<T> a, Tensor<T> b, TOp op) where TOp : struct, IBinaryOp<T>
    {
        int[] shape = Shapes.Broadcast(name, a.Shape, b.Shape);
        var z = GC.AllocateUninitializedArray<T>(Shapes.Count(shape)); // every element is written below
        Elementwise.Binary(a.Expand(shape), b.Expand(shape), z, 0, op);
        return new Tensor<T>(z, shape);
    }

    /// <summary>y = −x.</summary>
    public Tensor<T> Neg() => Map(new NegOp<T>());

    /// <summary>y = |x|.</summary>
    public Tensor<T> Abs() => Map(new AbsOp<T>());

    /// <summary>y = eˣ.</summary>
    public Tensor<T> Exp() => Map(new ExpOp<T>());

    /// <summary>y = ln x (−∞ at 0, NaN below).</summary>
    public Tensor<T> Log() => Map(new LogOp<T>());

    /// <summary>y = √x.</summary>
    public Tensor<T> Sqrt() => Map(new SqrtOp<T>());

    /// <summary>y = xᵖ.</summary>
    public Tensor<T> Pow(T exponent) => Map(new PowOp<T>(exponent));

    /// <summary>z = xʸ elementwise, broadcasting.</summary>
    public Tensor<T> Pow(Tensor<T> exponent) => Zip("pow", this, exponent, new PowBinaryOp<T>());

    /// <summary>y = tanh x = (eˣ − e⁻ˣ) / (eˣ + e⁻ˣ).</summary>
    public Tensor<T> Tanh() => Map(new TanhOp<T>());

    /// <summary>y = σ(x) = 1 / (1 + e⁻ˣ).</summary>
    public Tensor<T> Sigmoid() => Map(new SigmoidOp<T>());

    /// <summary>y = max(x, 0).</summary>
    public Tensor<T> Relu() => Map(new ReluOp<T>());

    /// <summary>GELU, tanh form as in GPT-2: y = ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
    public Tensor<T> Gelu() => Map(new GeluOp<T>());

    /// <summary>z = a + b, broadcasting.</summary>
    public static Tensor<T> Add(Tensor<T> a, Tensor<T> b) => Zip("add", a, b, new AddOp<T>());

    /// <summary>z = a − b, broadcasting.</summary>
    public static Tensor<T> Sub(Tensor<T> a, Tensor<T> b) => Zip("sub", a, b, new SubOp<T>());

    /// <summary>z = a · b elementwise (Hadamard), broadcasting. For the matrix product see <see cref="MatMul(Tensor{T}, Tensor{T})"/>.</summary>
    public static Tensor<T> Mul(Tensor<T> a, Tensor<T> b) => Zip("mul", a, b, new MulOp<T>());

    /// <summary>z = a / b, broadcasting.</summary>
    public static Tensor<T> Div(Tensor<T> a, Tensor<T> b) => Zip("div", a, b, new DivOp<T>());

    /// <summary>z = max(a, b) elementwise, broadcasting.</summary>
    public static Tensor<T> Maximum(Tensor<T> a, Tensor<T> b) => Zip("maximum", a, b, new MaximumOp<T>());

    /// <summary>z = min(a, b) elementwise, broadcasting.</summary>
    public static Tensor<T> Minimum(Tensor<T> a, Tensor<T> b) => Zip("minimum", a, b, new MinimumOp<T>());

    /// <summary>1 where a = b, else 0 (a mask), broadcasting.</summary>
    public Tensor<T> Eq(Tensor<T> other) => Zip("eq", this, other, new CompareOp<T>(Comparison.Equal));

    /// <summary>1 where a ≠ b, else 0.</summary>
    public Tensor<T> Ne(Tensor<T> other) => Zip("ne", this, other, new CompareOp<T>(Comparison.NotEqual));

    /// <summary>1 where a &lt; b, else 0.</summary>
    public Tensor<T> Lt(Tensor<T> other) => Zip("lt", this, other, new CompareOp<T>(Comparison.Less));

    /// <summary>1 where a ≤ b, else 0.</summary>
    public Tensor<T> Le(Tensor<T> other) => Zip("le", this, other, new CompareOp<T>(Comparison.LessOrEqual));

    /// <summary>1 where a &gt; b, else 0.</summary>
    public Tensor<T> Gt(Tensor<T> other) => Zip("gt", this, other, new CompareOp<T>(Comparison.Greater));

    /// <summary>1 where a ≥ b, else 0.</summary>
    public Tensor<T> Ge(Tensor<T> other) => Zip("ge", this, other, new CompareOp<T>(Comparison.GreaterOrEqual));

    /// <summary>1 where a &gt; s, else 0.</summary>
    public Tensor<T> Gt(T scalar) => Gt(Scalar(scalar));

    /// <summary>1 where a &lt; s, else 0.</summary>
    public Tensor<T> Lt(T scalar) => Lt(Scalar(scalar));

    /// <summary>1 where a = s, else 0.</summary>
    public Tensor<T> Eq(T scalar) => Eq(Scalar(scalar));

    /// <summary>
    /// out = a where condition ≠ 0, b where it is 0 (<c>torch.where</c>); all three broadcast together.
    /// </summary>
    public static Tensor<T> Where(Tensor<T> condition, Tensor<T> a, Tensor<T> b)
    {
        int[] shape = Shapes.Broadcast("where", Shapes.Broadcast("where", condition.Shape, a.Shape), b.Shape);
        var c = condition.Expand(shape).Contiguous().AsSpan();
        var av = a.Expand(shape).Contiguous().AsSpan();
        var bv = b.Expand(shape).Contiguous().AsSpan();
        var z = new T[c.Length];
        for (int i = 0; i < z.Length; i++)
        {
            z[i] = c[i] != T.Zero ? av[i] : bv[i];
        }
        return new Tensor<T>(z, shape);
    }

    /// <summary>
    /// A copy with <paramref name="value"/> wherever <paramref name="mask"/> ≠ 0 (<c>masked_fill</c>); the mask
    /// broadcasts to this tensor's shape. A causal mask fills −∞ above the diagonal.
    /// </summary>
    public Tensor<T> MaskedFill(Tensor<T> mask, T value)
    {
        if (!Shapes.Equal(Shapes.Broadcast("masked_fill", Shape, mask.Shape), Shape))
        {
            throw new ArgumentException($"masked_fill: mask of shape {Shapes.Format(mask.Shape)} does not broadcast to the tensor's shape {Shapes.Format(Shape)}");
        }
        return Where(mask, Scalar(value), this);
    }

    /// <summary>Elementwise sum.</summary>
    public static Tensor<T> operator +(Tensor<T> a, Tensor<T> b) => Add(a, b);

    /// <summary>Elementwise difference.</summary>
    public static Tensor<T> operator -(Tensor<T> a, Tensor<T> b) => Sub(a, b);

    /// <summary>Elementwise product (not the matrix product).</summary>
    public static Tensor<T> operator *(Tensor<T> a, Tensor<T> b) => Mul(a, b);

    /// <summary>Elementwise quotient.</summary>
    public static Tensor<T> operator /(Tensor<T> a, Tensor<T> b) => Div(a, b);

    /// <summary>Negation.</summary>
    public static Tensor<T> operator -(Tensor<T> a) => a.Neg();

    /// <summary>Adds a scalar to every element.</summary>
    public static Tensor<T> operator +(Tensor<T> a, T s) => Add(a, Scalar(s));

    /// <summary>Adds a scalar to every element.</summary>
    public static Tensor<T> operator +(T s, Tensor<T> a) => Add(Scalar(s), a);

    /// <summary>Subtracts a scalar from every element.</summary>
    public static Tensor<T> operator -(Tensor<T> a, T s) => Sub(a, Scalar(s));

    /// <summary>s − a for every element.</summary>
    public static Tensor<T> operator -(T s, Tensor<T> a) => Sub(Scalar(s), a);

    /// <summary>Multiplies every element by a scalar.</summary>
    public static Tensor<T> operator *(Tensor<T> a, T s) => Mul(a, Scalar(s));

    /// <summary>Multiplies every element by a scalar.</summary>
    public static Tensor<T> operator *(T s, Tensor<T> a) => Mul(Scalar(s), a);

    /// <summary>Divides every element by a scalar.</summary>
    public static Tensor<T> operator /(Tensor<T> a, T s) => Div(a, Scalar(s));

    /// <summary>s / a for every element.</summary>
    public static Tensor<T> operator /(T s, Tensor<T> a) => Div(Scalar(s), a);
}
