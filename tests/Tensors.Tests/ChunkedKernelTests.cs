using System.Numerics;
using FsCheck.Fluent;
using Scratch.Tensors.Kernels;

namespace Scratch.Tensors.Tests;

/// <summary>
/// The kernels that split their work with <see cref="Chunked.For"/> (elementwise, reductions, softmax) on the
/// parallel path, forced at small shapes with <see cref="Chunked.ForcedChunks"/> = 1 … 7: each must give the very same
/// numbers as on the serial path, whatever chunk an item falls in. Operands start past the beginning of their storage
/// (a view of the later rows), so a chunk that forgot the offset or its start would read the wrong numbers.
/// </summary>
public sealed class ChunkedKernelTests
{
    /// <summary>Rows × columns of a case, a chunk count, and a seed for the values.</summary>
    private static readonly FsCheck.Gen<(int Rows, int Cols, int Chunks, int Seed)> Cases =
        from rows in Gen.Choose(1, 12)
        from cols in Gen.Choose(1, 21)
        from chunks in Gen.Choose(1, 7)
        from seed in Properties.ValueSeed
        select (rows, cols, chunks, seed);

    /// <summary>f() on the serial path, then on the parallel path cut into <paramref name="chunks"/> chunks.</summary>
    private static (Tensor<T> Serial, Tensor<T> Chunked) Both<T>(int chunks, Func<Tensor<T>> f) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var serial = f();
        Chunked.ForcedChunks.Value = chunks;
        try
        {
            return (serial, f());
        }
        finally
        {
            Chunked.ForcedChunks.Value = null;
        }
    }

    private static void AssertSame<T>(int chunks, string op, Func<Tensor<T>> f) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (serial, chunked) = Both(chunks, f);
        Assert.Equal(Shapes.Format(serial.Shape), Shapes.Format(chunked.Shape));
        T[] s = serial.ToArray(), c = chunked.ToArray();
        for (int i = 0; i < s.Length; i++)
        {
            Assert.True(s[i].Equals(c[i]), $"{op} in {chunks} chunks, shape {Shapes.Format(serial.Shape)}, element {i}: serial {s[i]}, chunked {c[i]}");
        }
    }

    /// <summary>A (rows, cols) tensor that is contiguous but starts <paramref name="cols"/> numbers into its storage.</summary>
    private static Tensor<T> Offset<T>(Rng rng, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T> =>
        Tensor<T>.Randn(rng, rows + 1, cols).Slice(0, 1, rows + 1);

    private static void AllKernels<T>(int rows, int cols, int chunks, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Rng((ulong)seed);
        var x = Offset<T>(rng, rows, cols);
        var y = Offset<T>(rng, rows, cols);
        var row = Offset<T>(rng, 1, cols);
        var xt = Offset<T>(rng, cols, rows).Transpose(); // (rows, cols), strided
        Assert.True(x.IsContiguous && x.Offset > 0);

        // Elementwise: contiguous (a SIMD op and a scalar one), strided, both operands, a broadcast row.
        AssertSame(chunks, "neg", () => x.Neg());
        AssertSame(chunks, "exp", () => x.Exp());
        AssertSame(chunks, "neg of a transposed view", () => xt.Neg());
        AssertSame(chunks, "exp of a transposed view", () => xt.Exp());
        AssertSame(chunks, "x − y", () => x - y);
        AssertSame(chunks, "x · row", () => x * row);
        AssertSame(chunks, "xᵀ / y", () => xt / y);
        AssertSame(chunks, "add_ into a block of columns", () =>
        {
            var wide = Tensor<T>.Ones(rows, cols + 2);
            wide.Narrow(1, 1, cols).AddInPlace(x);
            return wide;
        });

        // Reductions over trailing dimensions (rows) and leading ones (columns), and softmax over rows.
        AssertSame(chunks, "sum over columns", () => x.Sum(1));
        AssertSame(chunks, "max over columns", () => x.Max(1));
        AssertSame(chunks, "sum over rows", () => x.Sum(0));
        AssertSame(chunks, "min over rows", () => x.Min(0));
        AssertSame(chunks, "softmax", () => x.Softmax(1));
        AssertSame(chunks, "log_softmax", () => x.LogSoftmax(1));
    }

    [Fact]
    public void ChunkedKernelsGiveTheSerialNumbersFloat() =>
        Properties.Check(Cases, c => AllKernels<float>(c.Rows, c.Cols, c.Chunks, c.Seed), count: 100);

    [Fact]
    public void ChunkedKernelsGiveTheSerialNumbersDouble() =>
        Properties.Check(Cases, c => AllKernels<double>(c.Rows, c.Cols, c.Chunks, c.Seed), count: 100);
}
