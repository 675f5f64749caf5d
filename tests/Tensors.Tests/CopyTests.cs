using FsCheck.Fluent;
using Scratch.Tensors.Kernels;

namespace Scratch.Tensors.Tests;

/// <summary>
/// Copy.Into reads and writes each side through its own strides, whichever side is contiguous; Copy.Strided (behind
/// Contiguous) copies every layout in row-major order, transposed matrices 8 × 8 numbers at a time.
/// </summary>
public sealed class CopyTests
{
    /// <summary>
    /// A transposed matrix (or a batch of them, the batch itself maybe strided), copied by the 8 × 8 transposes and
    /// their edges, equals the copy one number at a time, in floats (the fast path) and doubles (the plain loops).
    /// </summary>
    [Fact]
    public void ATransposedMatrixCopiesToItsRowMajorOrder() => Properties.Check(
        from rows in Gen.Choose(1, 150)
        from columns in Gen.Choose(1, 40)
        from batch in Gen.Choose(1, 3)
        from everyOtherMatrix in Gen.Elements(false, true)
        from seed in Gen.Choose(0, 1000)
        select (rows, columns, batch, everyOtherMatrix, seed),
        c =>
        {
            var stored = Tensor<double>.Randn(new Rng((ulong)c.seed), (c.everyOtherMatrix ? 2 : 1) * c.batch, c.columns, c.rows);
            var matrices = c.everyOtherMatrix ? stored.Slice(0, 1, 2 * c.batch, 2) : stored; // (batch, columns, rows)
            AssertCopied(matrices.Transpose(1, 2), $"{c}");
            AssertCopied(Tensor<float>.FromArray(stored.ToArray().Select(v => (float)v).ToArray(), stored.ShapeArray()).Slice(0, 0, c.batch).Transpose(1, 2), $"{c}, float");
            AssertCopied(matrices.Narrow(0, 0, 1).Squeeze(0).Transpose(), $"{c}, one matrix");
        });

    private static void AssertCopied<T>(Tensor<T> view, string what) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var copy = view.Contiguous().ToArray();
        int[] shape = view.ShapeArray();
        int m = shape[^2], n = shape[^1];
        for (int i = 0; i < copy.Length; i++)
        {
            int b = i / (m * n), r = i % (m * n) / n, col = i % n;
            T expected = view.Rank == 2 ? view[r, col] : view[b, r, col];
            Assert.True(copy[i] == expected, $"{what}: element {i} ([{b}, {r}, {col}]) is {copy[i]}, not {expected}");
        }
    }

    [Fact]
    public void IntoWritesThroughTheDestinationsStrides()
    {
        var source = Tensor<double>.Arange(12).Reshape(3, 4);                 // rows contiguous
        var transposedSource = Tensor<double>.Arange(12).Reshape(4, 3).Transpose(); // (3, 4), strided rows
        foreach (var src in new[] { source, transposedSource })
        {
            var storage = Tensor<double>.Zeros(4, 3);
            var destination = storage.Transpose(); // (3, 4), rows with stride 3
            Copy.Into(src, destination);
            for (int i = 0; i < 3; i++)
            {
                for (int j = 0; j < 4; j++)
                {
                    Assert.Equal(src[i, j], destination[i, j]);
                    Assert.Equal(src[i, j], storage[j, i]);
                }
            }
        }
    }
}
