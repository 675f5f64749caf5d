using System.Buffers;
using System.Numerics;

namespace Scratch.Tensors.Kernels;

// The product of few rows on several threads: a band of B's columns a thread (MatMulBlocking.SplitsColumns says when).
internal static partial class MatMulFast
{
    /// <summary>
    /// C_b = A_b · B_b on <paramref name="cores"/> threads, each owning a band of B's columns: thread t takes micro-panels
    /// [t·P/cores, (t+1)·P/cores) of B's P, and packs them a KC × NC block at a time into a block of its own, which it
    /// multiplies by all of A's rows before it packs the next.
    /// </summary>
    private static void ColumnBands<T>(MatMulProblem<T> p, int b, int cores) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = MatMulMicroKernel.Width, nr = MatMulMicroKernel.NR<T>(width), panels = (p.N + nr - 1) / nr;
        var (_, nc, kc, _, _) = MatMulBlocking.Sizes<T>(p.M, p.N, p.K, MatMulMicroKernel.MR(width), nr, cores);
        Workers.For(cores, t =>
        {
            int bandStart = t * panels / cores * nr, bandEnd = Math.Min(p.N, (t + 1) * panels / cores * nr);
            var bPack = RentBlock<T>(kc, nc, out T[] rented);
            try
            {
                for (int jc = bandStart; jc < bandEnd; jc += nc)
                {
                    int ncb = Math.Min(nc, bandEnd - jc), blockPanels = (ncb + nr - 1) / nr;
                    for (int pc = 0; pc < p.K; pc += kc)
                    {
                        int kcb = Math.Min(kc, p.K - pc);
                        MatMulPacking.PackB(p, p.BOffsets[b], pc, kcb, jc, ncb, nr, 0, blockPanels, bPack);
                        Block(p, b, 0, p.M, pc, kcb, jc, ncb, width, 0, blockPanels, bPack, bInPlace: false, accumulate: pc > 0);
                    }
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(rented);
            }
        });
    }
}
