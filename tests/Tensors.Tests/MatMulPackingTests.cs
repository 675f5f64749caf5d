using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Scratch.Tensors.Kernels;

namespace Scratch.Tensors.Tests;

/// <summary>
/// Where the blocked product puts its packed block of B: at the first element of the rented array that starts a
/// cache line (<see cref="MatMulPacking.CacheLineStart{T}"/>), so that its 64-byte vectors are read from one line each;
/// the transposing copy of a micro-panel (8 × 8 blocks in registers) and the row copy of a row-major B or a transposed
/// A (one panel or a block of them, a stored row at a time) against the copy one number at a time; and a whole block
/// packed, through every kind of strides, against its definition.
/// </summary>
public sealed class MatMulPackingTests
{
    /// <summary>The address of array[index], as the distance from a null reference.</summary>
    private static nint AddressOf<T>(T[] array, int index) =>
        Unsafe.ByteOffset(ref Unsafe.NullRef<T>(), ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(array), index));

    [Fact]
    public void CacheLineStartIsTheFirstElementOnALineBoundary()
    {
        // Pinned arrays of many lengths start at many places relative to a line (the runtime aligns to 8 bytes);
        // pinned, none moves between finding the index and checking its address.
        var starts = new HashSet<nint>();
        for (int length = 1; length <= 40; length++)
        {
            Check(GC.AllocateArray<float>(length + 16, pinned: true), starts);
            Check(GC.AllocateArray<double>(length + 8, pinned: true), starts);
        }
        Assert.True(starts.Count > 1, $"every array started at the same place in its line ({string.Join(", ", starts)}): the test saw only one case");
    }

    private static void Check<T>(T[] array, HashSet<nint> starts) where T : unmanaged
    {
        int index = MatMulPacking.CacheLineStart(array);
        starts.Add(AddressOf(array, 0) % MatMulPacking.CacheLine);
        Assert.Equal(0, AddressOf(array, index) % MatMulPacking.CacheLine);
        Assert.InRange(index, 0, MatMulPacking.CacheLine / Unsafe.SizeOf<T>() - 1); // the first such element, never a line further
    }

    [Fact]
    public void TransposingCopyEqualsTheCopyOneNumberAtATime()
    {
        // Sources with k contiguous (a transposed B, as Wᵀ in x · Wᵀ): every count and depth around the 8 × 8 blocks,
        // at several starts and row strides, into panels as wide as the kernels' (NR = 16 or 32) and a little wider.
        // The panel starts full of a sentinel, so a number written where it should not be shows too.
        var rng = new Random(5);
        int cases = 0;
        foreach (int width in new[] { 16, 32, 35 })
        {
            for (int count = 1; count <= width; count += count < 10 ? 1 : 3)
            {
                foreach (int kc in new[] { 1, 7, 8, 9, 16, 23, 64, 130 })
                {
                    int iStep = kc + rng.Next(0, 20), start = rng.Next(0, 9);
                    var src = new float[start + count * iStep + 8];
                    for (int j = 0; j < src.Length; j++)
                    {
                        src[j] = (float)rng.NextDouble() - 0.5f;
                    }
                    var fast = Enumerable.Repeat(-7f, kc * width).ToArray();
                    var plain = (float[])fast.Clone();
                    MatMulPacking.CopyPanel(src, start, 1, iStep, kc, count, width, fast);
                    MatMulPacking.CopyPanelReference(src, start, 1, iStep, kc, count, width, plain);
                    Assert.True(plain.AsSpan().SequenceEqual(fast), $"width {width}, count {count}, kc {kc}, row step {iStep}, start {start}");
                    cases++;
                }
            }
        }
        Assert.True(cases > 300);
        // The reference itself: panel[k·width + i] = src[start + k + i·iStep].
        var small = Enumerable.Range(0, 40).Select(v => (float)v).ToArray();
        var panel = new float[3 * 4];
        MatMulPacking.CopyPanelReference(small, 2, 1, 10, 3, 4, 4, panel);
        Assert.Equal(new float[] { 2, 12, 22, 32, 3, 13, 23, 33, 4, 14, 24, 34 }, panel);
    }

    [Fact]
    public void RowCopyOfSeveralPanelsEqualsEachPanelCopiedOneNumberAtATime()
    {
        // A block of panels read a stored row at a time (a transposed A's MR = 6 or 12 rows, a row-major B's NR = 8, 16
        // or 32 columns, and a little wider): every count from part of one panel to three and a ragged one, floats and
        // doubles, into panels full of a sentinel, against the reference copy of each panel.
        var rng = new Random(7);
        int cases = 0;
        foreach (int width in new[] { 6, 8, 12, 16, 32, 35 })
        {
            for (int count = 1; count <= 3 * width + 5; count += count < 2 * width ? 1 : 4)
            {
                foreach (int rows in new[] { 1, 5, 40 })
                {
                    int stride = count + rng.Next(0, 20), start = rng.Next(0, 9);
                    var src = Enumerable.Range(0, start + rows * stride).Select(_ => rng.NextDouble() - 0.5).ToArray();
                    Same(src, start, stride, rows, count, width);
                    Same(src.Select(v => (float)v).ToArray(), start, stride, rows, count, width);
                    cases++;
                }
            }
        }
        Assert.True(cases > 500);

        static void Same<T>(T[] src, int start, int stride, int rows, int count, int width) where T : unmanaged
        {
            int panels = (count + width - 1) / width;
            var fast = Enumerable.Repeat(default(T), panels * rows * width + 3).Select(_ => (T)Convert.ChangeType(-7, typeof(T))).ToArray();
            var plain = (T[])fast.Clone();
            MatMulPacking.CopyRows(src, start, stride, rows, count, width, fast);
            for (int q = 0; q < panels; q++)
            {
                int cols = Math.Min(width, count - q * width);
                MatMulPacking.CopyPanelReference(src, start + q * width, stride, 1, rows, cols, width, plain.AsSpan(q * rows * width));
            }
            Assert.True(plain.AsSpan().SequenceEqual(fast), $"{typeof(T).Name}: width {width}, count {count}, rows {rows}, stride {stride}, start {start}");
        }
    }

    [Fact]
    public void PackedBlockIsItsNumbersPanelByPanelWithTheRaggedPaddingZeroed()
    {
        // A block of count rows of A or columns of B (i), kc terms of the sum deep (k), in panels as wide as the kernels'
        // (MR = 6 or 12, NR = 16 or 32), through each kind of strides the product meets: i contiguous (a row-major B, a
        // transposed A: the row copy), k contiguous (a transposed B: the transposing copy for floats), neither (the
        // plain loops). Written over a sentinel; checked against panels[q·width·kc + k·width + i] =
        // src[start + k·kStep + (q·width + i)·iStep], zeros past count in a ragged last panel, the sentinel after.
        var rng = new Random(11);
        int cases = 0;
        foreach (int width in new[] { 6, 12, 16, 32 })
        {
            foreach (int count in new[] { 1, width - 1, width, width + 1, 2 * width + 3 })
            {
                foreach (int kc in new[] { 1, 9, 40 })
                {
                    foreach (var (kStep, iStep) in new[] { (count + 3, 1), (1, kc + 2), (2 * count + 1, 2) })
                    {
                        int start = rng.Next(0, 9);
                        var src = Enumerable.Range(0, start + (kc - 1) * kStep + (count - 1) * iStep + 1).Select(_ => rng.NextDouble() - 0.5).ToArray();
                        Same(src, start, kStep, iStep, kc, count, width);
                        Same(src.Select(v => (float)v).ToArray(), start, kStep, iStep, kc, count, width);
                        cases++;
                    }
                }
            }
        }
        Assert.Equal(4 * 5 * 3 * 3, cases);

        static void Same<T>(T[] src, int start, int kStep, int iStep, int kc, int count, int width) where T : unmanaged
        {
            int panels = (count + width - 1) / width;
            T sentinel = (T)Convert.ChangeType(-7, typeof(T));
            var packed = Enumerable.Repeat(sentinel, panels * kc * width + 3).ToArray();
            var expected = (T[])packed.Clone();
            for (int q = 0; q < panels; q++)
            {
                for (int k = 0; k < kc; k++)
                {
                    for (int i = 0; i < width; i++)
                    {
                        int column = q * width + i; // i of the block
                        expected[q * width * kc + k * width + i] = column < count ? src[start + k * kStep + column * iStep] : default;
                    }
                }
            }
            MatMulPacking.PackPanels(src, start, kStep, iStep, kc, count, width, packed);
            Assert.True(expected.AsSpan().SequenceEqual(packed), $"{typeof(T).Name}: width {width}, count {count}, kc {kc}, steps k {kStep}, i {iStep}, start {start}");
        }
    }
}
