namespace Scratch.Tensors;

// Creation: new tensors filled with constants, ranges, given numbers or random samples.
public sealed partial class Tensor<T>
{
    /// <summary>A tensor of the given shape filled with <paramref name="value"/>.</summary>
    public static Tensor<T> Full(ReadOnlySpan<int> shape, T value)
    {
        CheckShape("full", shape);
        var data = new T[Shapes.Count(shape)];
        Array.Fill(data, value);
        return new Tensor<T>(data, shape.ToArray());
    }

    /// <summary>A tensor of zeros, e.g. <c>Tensor&lt;float&gt;.Zeros(2, 3)</c>.</summary>
    public static Tensor<T> Zeros(params ReadOnlySpan<int> shape)
    {
        CheckShape("zeros", shape);
        return new Tensor<T>(new T[Shapes.Count(shape)], shape.ToArray());
    }

    /// <summary>
    /// A tensor whose elements are not set (<c>torch.empty</c>): they hold whatever the memory held. For kernels
    /// that write every element, which then skip the pass that <see cref="Zeros"/> spends on zeroing.
    /// </summary>
    public static Tensor<T> Empty(params ReadOnlySpan<int> shape)
    {
        CheckShape("empty", shape);
        return new Tensor<T>(GC.AllocateUninitializedArray<T>(Shapes.Count(shape)), shape.ToArray());
    }

    /// <summary>A tensor of ones.</summary>
    public static Tensor<T> Ones(params ReadOnlySpan<int> shape) => Full(shape, T.One);

    /// <summary>A zero-dimensional tensor (shape []) holding one value.</summary>
    public static Tensor<T> Scalar(T value) => new([value], []);

    /// <summary>The 1-D tensor [0, 1, …, n−1].</summary>
    public static Tensor<T> Arange(int n) => Arange(T.Zero, T.CreateChecked(n), T.One);

    /// <summary>
    /// The 1-D tensor [start, start + step, …] of every value below <paramref name="stop"/> (above it for a
    /// negative step), like <c>torch.arange</c>: ⌈(stop − start) / step⌉ elements.
    /// </summary>
    public static Tensor<T> Arange(T start, T stop, T step)
    {
        if (step == T.Zero || !T.IsFinite(step) || !T.IsFinite(start) || !T.IsFinite(stop))
        {
            throw new ArgumentException($"arange: start {start}, stop {stop} and step {step} must be finite with a non-zero step");
        }
        T count = T.Ceiling((stop - start) / step);
        if (count > T.CreateChecked(int.MaxValue))
        {
            throw new ArgumentException($"arange: start {start}, stop {stop} and step {step} give {count} elements, more than a tensor can hold ({int.MaxValue})");
        }
        int n = Math.Max(0, int.CreateSaturating(count));
        var data = new T[n];
        for (int i = 0; i < n; i++)
        {
            data[i] = start + T.CreateChecked(i) * step;
        }
        return new Tensor<T>(data, [n]);
    }

    /// <summary>The n×n identity matrix: 1 on the diagonal, 0 elsewhere.</summary>
    public static Tensor<T> Eye(int n)
    {
        CheckShape("eye", [n]);
        var result = Zeros(n, n);
        for (int i = 0; i < n; i++)
        {
            result.storage[i * n + i] = T.One;
        }
        return result;
    }

    /// <summary>
    /// A tensor of the given shape over a copy of <paramref name="data"/>, read in row-major order.
    /// The shape's element count must equal the data's length.
    /// </summary>
    public static Tensor<T> FromArray(ReadOnlySpan<T> data, params ReadOnlySpan<int> shape)
    {
        CheckShape("from_array", shape);
        if (Shapes.Count(shape) != data.Length)
        {
            throw new ArgumentException($"from_array: {data.Length} values cannot fill shape {Shapes.Format(shape)} ({Shapes.Count(shape)} elements)");
        }
        return new Tensor<T>(data.ToArray(), shape.ToArray());
    }

    /// <summary>A 1-D tensor over a copy of <paramref name="data"/>.</summary>
    public static Tensor<T> FromArray(ReadOnlySpan<T> data) => FromArray(data, data.Length);

    /// <summary>A matrix from a C# 2-D literal: <c>Tensor&lt;double&gt;.From(new double[,] { { 1, 2 }, { 3, 4 } })</c>.</summary>
    public static Tensor<T> From(T[,] values)
    {
        int rows = values.GetLength(0), cols = values.GetLength(1);
        var data = new T[rows * cols];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                data[i * cols + j] = values[i, j];
            }
        }
        return new Tensor<T>(data, [rows, cols]);
    }

    /// <summary>A 3-D tensor from a C# 3-D literal.</summary>
    public static Tensor<T> From(T[,,] values)
    {
        int d0 = values.GetLength(0), d1 = values.GetLength(1), d2 = values.GetLength(2);
        var data = new T[d0 * d1 * d2];
        int at = 0;
        for (int i = 0; i < d0; i++)
        {
            for (int j = 0; j < d1; j++)
            {
                for (int k = 0; k < d2; k++)
                {
                    data[at++] = values[i, j, k];
                }
            }
        }
        return new Tensor<T>(data, [d0, d1, d2]);
    }

    /// <summary>Uniform samples in [0, 1) (<c>torch.rand</c>).</summary>
    public static Tensor<T> Rand(Rng rng, params ReadOnlySpan<int> shape) => Uniform(rng, T.Zero, T.One, shape);

    /// <summary>Standard normal samples, mean 0 and standard deviation 1 (<c>torch.randn</c>).</summary>
    public static Tensor<T> Randn(Rng rng, params ReadOnlySpan<int> shape) => Normal(rng, T.Zero, T.One, shape);

    /// <summary>Uniform samples in [low, high): low + (high − low) · u with u uniform in [0, 1).</summary>
    public static Tensor<T> Uniform(Rng rng, T low, T high, params ReadOnlySpan<int> shape)
    {
        CheckShape("uniform", shape);
        if (!(low <= high) || !T.IsFinite(low) || !T.IsFinite(high))
        {
            throw new ArgumentException($"uniform: need finite low ≤ high, got low {low} and high {high}");
        }
        var data = new T[Shapes.Count(shape)];
        for (int i = 0; i < data.Length; i++)
        {
            // A double just below 1 rounds to 1 in float; step back so that u stays in [0, 1).
            T u = T.CreateChecked(rng.NextDouble());
            data[i] = low + (high - low) * (u < T.One ? u : T.BitDecrement(T.One));
        }
        return new Tensor<T>(data, shape.ToArray());
    }

    /// <summary>Normal samples: mean + std · z with z standard normal (Box–Muller).</summary>
    public static Tensor<T> Normal(Rng rng, T mean, T std, params ReadOnlySpan<int> shape)
    {
        CheckShape("normal", shape);
        if (!(std >= T.Zero) || !T.IsFinite(mean) || !T.IsFinite(std))
        {
            throw new ArgumentException($"normal: need a finite mean and std ≥ 0, got mean {mean} and std {std}");
        }
        var data = new T[Shapes.Count(shape)];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = mean + std * T.CreateChecked(rng.NextNormal());
        }
        return new Tensor<T>(data, shape.ToArray());
    }

    /// <summary>A new contiguous tensor of the same shape with the same values.</summary>
    public Tensor<T> Clone()
    {
        if (!IsContiguous)
        {
            return new(Contiguous().storage, (int[])shape.Clone()); // Contiguous already made a fresh copy
        }
        var data = GC.AllocateUninitializedArray<T>(Count); // every element is copied in
        AsSpan().CopyTo(data);
        return new(data, (int[])shape.Clone());
    }

    /// <summary>A new tensor of the same shape filled with zeros.</summary>
    public Tensor<T> ZerosLike() => Zeros(shape);

    private static void CheckShape(string op, ReadOnlySpan<int> shape)
    {
        foreach (int s in shape)
        {
            if (s < 0)
            {
                throw new ArgumentException($"{op}: shape {Shapes.Format(shape)} has a negative size");
            }
        }
        Shapes.Count(shape, op); // throws, naming op, when the shape has too many elements
    }
}
