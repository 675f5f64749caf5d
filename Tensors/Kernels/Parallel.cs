namespace Scratch.Tensors.Kernels;

/// <summary>Splits a loop over [0, n) into chunks run on the cores, or runs it inline when n is small.</summary>
internal static class Chunked
{
    /// <summary>Calls body(start, length) over chunks covering [0, n); in parallel when n·cost is large.</summary>
    /// <param name="n">The number of items.</param>
    /// <param name="costPerItem">Roughly how many elements of work one item is (a row's length, say).</param>
    /// <param name="body">The work for items [start, start + length).</param>
    public static void For(int n, long costPerItem, Action<int, int> body)
    {
        int cores = Environment.ProcessorCount;
        if (n <= 1 || cores == 1 || n * costPerItem < Elementwise.ParallelThreshold)
        {
            body(0, n);
            return;
        }
        int chunks = Math.Min(n, cores * 4);
        int size = (n + chunks - 1) / chunks;
        Parallel.For(0, (n + size - 1) / size, c =>
        {
            int start = c * size;
            body(start, Math.Min(size, n - start));
        });
    }
}
