using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Scratch.Tensors.Kernels;

namespace Scratch.Tensors.Tests;

/// <summary>
/// Where the blocked product puts its packed block of B: at the first element of the rented array that starts a
/// cache line (<see cref="MatMulPacking.CacheLineStart{T}"/>), so that its 64-byte vectors are read from one line each.
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
}
