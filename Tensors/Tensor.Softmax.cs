using Scratch.Tensors.Kernels;

namespace Scratch.Tensors;

// Softmax and log-softmax along one dimension.
public sealed partial class Tensor<T>
{
    /// <summary>
    /// softmax(x)ᵢ = exp(xᵢ − m) / Σⱼ exp(xⱼ − m) along <paramref name="dim"/>, with m = maxⱼ xⱼ: each slice along
    /// dim becomes a probability distribution (non-negative, summing to 1).
    /// </summary>
    public Tensor<T> Softmax(int dim) => SoftmaxAlong("softmax", dim, log: false);

    /// <summary>
    /// log-softmax(x)ᵢ = xᵢ − m − ln Σⱼ exp(xⱼ − m) (log-sum-exp), finite even where softmax underflows to 0.
    /// </summary>
    public Tensor<T> LogSoftmax(int dim) => SoftmaxAlong("log_softmax", dim, log: true);

    private Tensor<T> SoftmaxAlong(string op, int dim, bool log)
    {
        int d = Shapes.NormalizeDim(op, dim, Rank);
        // Move dim last so that every distribution is one contiguous row, then move it back.
        var moved = d == Rank - 1 ? Contiguous() : Transpose(d, -1).Contiguous();
        var y = GC.AllocateUninitializedArray<T>(Count); // every row is written by the kernel
        int n = shape[d];
        Kernels.Softmax.Rows(moved.storage, moved.offset, n == 0 ? 0 : Count / n, n, y, log);
        var result = new Tensor<T>(y, moved.ShapeArray());
        return d == Rank - 1 ? result : result.Transpose(d, -1).Contiguous();
    }
}
