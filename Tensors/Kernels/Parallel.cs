namespace Scratch.Tensors.Kernels;

/// <summary>
/// The one way Scratch splits a loop over the cores: [0, n) cut into chunks, each run as body(start, length).
/// Elementwise kernels, reductions, softmax rows, layer norm and attention rows all go through it.
/// </summary>
public static class Chunked
{
    /// <summary>Below this much work (items × cost per item) one core is faster than starting threads.</summary>
    public const long ParallelThreshold = 1 << 16;

    /// <summary>
    /// For tests only: when set, <see cref="For"/> takes the parallel path whatever the size and the number of cores,
    /// cutting [0, n) into this many chunks (at most n), so that a test at a small shape runs the code every real
    /// training step runs. Flows to the code the test calls (AsyncLocal), not to other tests.
    /// </summary>
    internal static readonly AsyncLocal<int?> ForcedChunks = new();

    /// <summary>
    /// Calls body(start, length) over chunks covering [0, n), in order on this thread when the work is small or
    /// there is one core, otherwise about four chunks per core in parallel, on the <see cref="Workers"/>. Which items
    /// share a chunk depends on the machine, so body must give each item the same result whatever chunk it is in (a sum
    /// over items that must not depend on the machine is kept per fixed block of items, and the blocks are the items).
    /// </summary>
    /// <param name="n">The number of items.</param>
    /// <param name="costPerItem">Roughly how many elements of work one item is (a row's length, say).</param>
    /// <param name="body">The work for items [start, start + length).</param>
    public static void For(int n, long costPerItem, Action<int, int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        int cores = Environment.ProcessorCount;
        if (n <= 0)
        {
            return;
        }
        int? forced = ForcedChunks.Value;
        // Stryker disable once Logical,Equality,Arithmetic : which path runs decides only the speed; ChunkedKernelTests holds both paths to the same numbers
        bool small = n == 1 || cores == 1 || n * costPerItem < ParallelThreshold;
        if (forced is null && small)
        {
            body(0, n);
            return;
        }
        int chunks = Math.Min(n, forced ?? cores * 4);
        int size = (n + chunks - 1) / chunks;
        Workers.For((n + size - 1) / size, c =>
        {
            int start = c * size;
            body(start, Math.Min(size, n - start));
        });
    }
}
