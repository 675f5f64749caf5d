using System.Numerics;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// The plain kernels: one loop per op that reads like its formula, visiting every index of the result
/// in row-major order and reading each input through its shape and strides. Slow on purpose; the fast
/// kernels are tested equal to these.
/// </summary>
internal static class Reference
{
    /// <summary>Every multi-index of a shape in row-major order: [0,0], [0,1], …, [1,0], ….</summary>
    public static IEnumerable<int[]> Indices(int[] shape)
    {
        int count = Shapes.Count(shape);
        var index = new int[shape.Length];
        for (int k = 0; k < count; k++)
        {
            yield return index;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                if (++index[d] < shape[d])
                {
                    break;
                }
                index[d] = 0;
            }
        }
    }

    /// <summary>
    /// The element of <paramref name="x"/> that broadcasting pairs with result index <paramref name="index"/>:
    /// align on the right, and a size-1 dimension always reads index 0.
    /// </summary>
    public static T At<T>(Tensor<T> x, int[] index) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lead = index.Length - x.Rank;
        int at = x.Offset;
        for (int d = 0; d < x.Rank; d++)
        {
            int i = x.Shape[d] == 1 ? 0 : index[lead + d];
            at += i * x.Strides[d];
        }
        return x.Storage[at];
    }

    /// <summary>y[i] = f(x[i]).</summary>
    public static Tensor<T> Unary<T, TOp>(Tensor<T> x, TOp op)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IUnaryOp<T>
    {
        var y = Tensor<T>.Zeros(x.Shape);
        int k = 0;
        foreach (int[] i in Indices(x.ShapeArray()))
        {
            y.Storage[k++] = op.Apply(At(x, i));
        }
        return y;
    }

    /// <summary>z[i] = f(a[i], b[i]) with a and b broadcast to z's shape.</summary>
    public static Tensor<T> Binary<T, TOp>(string name, Tensor<T> a, Tensor<T> b, TOp op)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IBinaryOp<T>
    {
        var z = Tensor<T>.Zeros(Shapes.Broadcast(name, a.Shape, b.Shape));
        int k = 0;
        foreach (int[] i in Indices(z.ShapeArray()))
        {
            z.Storage[k++] = op.Apply(At(a, i), At(b, i));
        }
        return z;
    }

    /// <summary>
    /// out[j] = Σ x[i] over every i that lands on j when the reduced dimensions are set to 0 (kept as size 1).
    /// </summary>
    public static Tensor<T> Sum<T>(Tensor<T> x, int[] dims) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int[] outShape = x.ShapeArray();
        foreach (int d in dims)
        {
            outShape[d] = 1;
        }
        var sum = Tensor<T>.Zeros(outShape);
        foreach (int[] i in Indices(x.ShapeArray()))
        {
            int[] j = (int[])i.Clone();
            foreach (int d in dims)
            {
                j[d] = 0;
            }
            sum[j] += At(x, i);
        }
        return sum;
    }

    /// <summary>out[j] = max x[i] over every i that lands on j (kept as size 1).</summary>
    public static Tensor<T> Max<T>(Tensor<T> x, int[] dims) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int[] outShape = x.ShapeArray();
        foreach (int d in dims)
        {
            outShape[d] = 1;
        }
        var max = Tensor<T>.Full(outShape, T.NegativeInfinity);
        foreach (int[] i in Indices(x.ShapeArray()))
        {
            int[] j = (int[])i.Clone();
            foreach (int d in dims)
            {
                j[d] = 0;
            }
            max[j] = T.Max(max[j], At(x, i));
        }
        return max;
    }

    /// <summary>softmax(x)ᵢ = exp(xᵢ − m) / Σⱼ exp(xⱼ − m) along the last dimension, with m = maxⱼ xⱼ.</summary>
    public static Tensor<T> Softmax<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = Tensor<T>.Zeros(x.Shape);
        int n = x.Size(-1);
        var row = new T[n];
        int k = 0;
        foreach (int[] i in Indices(x.ShapeArray()[..^1]))
        {
            int[] index = [.. i, 0];
            for (int c = 0; c < n; c++)
            {
                index[^1] = c;
                row[c] = x[index];
            }
            T m = row.Max();
            T total = T.Zero;
            foreach (T v in row)
            {
                total += T.Exp(v - m);
            }
            foreach (T v in row)
            {
                y.Storage[k++] = T.Exp(v - m) / total;
            }
        }
        return y;
    }
}
