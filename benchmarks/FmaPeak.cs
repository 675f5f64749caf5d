using System.Diagnostics;
using System.Numerics;
using System.Runtime.Intrinsics;

namespace Scratch.Benchmarks;

/// <summary>
/// The machine's float32 FMA peak: what no matmul can beat. Each thread runs 12 independent chains of fused
/// multiply-adds (enough to cover the FMA latency on every x86 core of the last decade: latency 4 × 2 ports = 8
/// chains in flight, plus spare) on registers only, so nothing but the FMA units limits it. GFLOP/s = 2 flops × lanes
/// × FMAs ÷ seconds, the best of 5 runs, for 256-bit vectors (AVX2) and, where the JIT accelerates them, 512-bit.
/// <code>
/// dotnet run -c Release --project benchmarks -- peak
/// </code>
/// </summary>
public static class FmaPeak
{
    /// <summary>Prints the peak with all cores and with one, per vector width.</summary>
    public static int Run()
    {
        Console.WriteLine($"FMA peak, float32, .NET {Environment.Version}, {Environment.ProcessorCount} cores; " +
            $"Vector256 {(Vector256.IsHardwareAccelerated ? "accelerated" : "not accelerated")}, Vector512 {(Vector512.IsHardwareAccelerated ? "accelerated" : "not accelerated")}");
        foreach (int threads in new[] { Environment.ProcessorCount, 1 }.Distinct())
        {
            if (Vector256.IsHardwareAccelerated)
            {
                Console.WriteLine($"  Vector256 (8 lanes), {threads} thread(s): {Best(threads, Chains256) / 1e9,8:F1} GFLOP/s");
            }
            if (Vector512.IsHardwareAccelerated)
            {
                Console.WriteLine($"  Vector512 (16 lanes), {threads} thread(s): {Best(threads, Chains512) / 1e9,7:F1} GFLOP/s");
            }
        }
        return 0;
    }

    private const long Iterations = 20_000_000;

    /// <summary>Flops per second of <paramref name="kernel"/> on <paramref name="threads"/> threads at once, the best of 5.</summary>
    private static double Best(int threads, Func<long, double> kernel)
    {
        kernel(1000); // compile it
        double best = 0;
        for (int run = 0; run < 5; run++)
        {
            var watch = Stopwatch.StartNew();
            double flops = 0;
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ =>
            {
                double f = kernel(Iterations);
                lock (watch)
                {
                    flops += f;
                }
            });
            best = Math.Max(best, flops / watch.Elapsed.TotalSeconds);
        }
        return best;
    }

    /// <summary>12 chains a ← a·m + c on 256-bit vectors; returns the flops done (the sum is checked to keep the loop).</summary>
    private static double Chains256(long n)
    {
        var m = Vector256.Create(0.999999f);
        var c = Vector256.Create(1e-7f);
        Vector256<float> a0 = Vector256.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < n; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, c); a1 = Vector256.FusedMultiplyAdd(a1, m, c);
            a2 = Vector256.FusedMultiplyAdd(a2, m, c); a3 = Vector256.FusedMultiplyAdd(a3, m, c);
            a4 = Vector256.FusedMultiplyAdd(a4, m, c); a5 = Vector256.FusedMultiplyAdd(a5, m, c);
            a6 = Vector256.FusedMultiplyAdd(a6, m, c); a7 = Vector256.FusedMultiplyAdd(a7, m, c);
            a8 = Vector256.FusedMultiplyAdd(a8, m, c); a9 = Vector256.FusedMultiplyAdd(a9, m, c);
            a10 = Vector256.FusedMultiplyAdd(a10, m, c); a11 = Vector256.FusedMultiplyAdd(a11, m, c);
        }
        float sum = Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
        return float.IsFinite(sum) ? 2.0 * 8 * 12 * n : throw new InvalidOperationException("FMA peak: the chains overflowed");
    }

    /// <summary>The same on 512-bit vectors.</summary>
    private static double Chains512(long n)
    {
        var m = Vector512.Create(0.999999f);
        var c = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < n; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, c); a1 = Vector512.FusedMultiplyAdd(a1, m, c);
            a2 = Vector512.FusedMultiplyAdd(a2, m, c); a3 = Vector512.FusedMultiplyAdd(a3, m, c);
            a4 = Vector512.FusedMultiplyAdd(a4, m, c); a5 = Vector512.FusedMultiplyAdd(a5, m, c);
            a6 = Vector512.FusedMultiplyAdd(a6, m, c); a7 = Vector512.FusedMultiplyAdd(a7, m, c);
            a8 = Vector512.FusedMultiplyAdd(a8, m, c); a9 = Vector512.FusedMultiplyAdd(a9, m, c);
            a10 = Vector512.FusedMultiplyAdd(a10, m, c); a11 = Vector512.FusedMultiplyAdd(a11, m, c);
        }
        float sum = Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
        return float.IsFinite(sum) ? 2.0 * 16 * 12 * n : throw new InvalidOperationException("FMA peak: the chains overflowed");
    }
}
