using System.Diagnostics;
using System.Runtime.InteropServices;
using Scratch.Tensors.Kernels;

namespace Scratch.Benchmarks;

/// <summary>
/// The matmul micro-kernel alone, on one thread: one MR × NR tile of C computed over kc = 256 steps of p, again and
/// again, with nothing else around it (no packing, no blocking, no threads). Its speed against the one-thread FMA
/// peak (<c>-- peak</c>) says how much of the product's shortfall is the kernel's and how much the rest's.
/// <code>
/// dotnet run -c Release --project benchmarks -- kernel
/// </code>
/// Four cases: the B micro-panels fit in the L1 cache (1 panel, used again and again) or stream from L2 (16 panels in
/// turn, as the blocked product runs them: 16 × 256 × NR floats, 512 KiB with AVX-512); A is packed (MR numbers
/// side by side per step) or read where it lies in a row-major matrix 768 floats wide (the GPT's x).
/// </summary>
public static class MicroKernelSpeed
{
    private const int Kc = 256;

    /// <summary>Prints GFLOP/s (the median and the best of 1-second runs' pieces) for the four cases.</summary>
    public static int Run()
    {
        int width = MatMulMicroKernel.Width, mr = MatMulMicroKernel.MR(width), nr = MatMulMicroKernel.NR<float>(width);
        Console.WriteLine($"matmul micro-kernel alone, one thread, float32, kc = {Kc}: {MatMulMicroKernel.Name} (MR = {mr}, NR = {nr})");
        Console.WriteLine("B panels        A                          median GFLOP/s   best GFLOP/s");
        foreach (int panels in new[] { 1, 16 })
        {
            foreach (int aRowStride in new[] { 0, 768 })
            {
                var (median, best) = Time(width, mr, nr, panels, aRowStride);
                string b = panels == 1 ? "1 (in L1)" : $"{panels} (from L2)";
                string a = aRowStride == 0 ? "packed" : $"in place, rows {aRowStride} apart";
                Console.WriteLine($"{b,-15} {a,-26} {median,14:F1} {best,14:F1}");
            }
        }
        return 0;
    }

    /// <summary>Runs the kernel over every B panel in turn, 20 passes a piece, for about a second; GFLOP/s of the median and best piece.</summary>
    private static (double Median, double Best) Time(int width, int mr, int nr, int panels, int aRowStride)
    {
        var rng = new Random(1);
        var a = new float[aRowStride == 0 ? mr * Kc : mr * aRowStride];
        var b = new float[panels * Kc * nr];
        var c = new float[mr * nr];
        for (int i = 0; i < a.Length; i++) a[i] = (float)rng.NextDouble();
        for (int i = 0; i < b.Length; i++) b[i] = (float)rng.NextDouble();
        nint aRow = aRowStride == 0 ? 1 : aRowStride, aStep = aRowStride == 0 ? mr : 1; // packed: A[i, p] = a[i + p·MR]
        void Pass()
        {
            for (int j = 0; j < panels; j++)
            {
                MatMulMicroKernel.Run(width, Kc, ref a[0], aRow, aStep, ref b[j * Kc * nr], nr, ref MemoryMarshal.GetArrayDataReference(c), nr, accumulate: true);
            }
        }
        Pass(); // compiled and warm
        var pieces = new List<double>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < 1.0)
        {
            long start = Stopwatch.GetTimestamp();
            for (int r = 0; r < 20; r++)
            {
                Pass();
            }
            pieces.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        pieces.Sort();
        double flops = 20.0 * panels * 2 * mr * nr * Kc;
        return (flops / pieces[pieces.Count / 2] / 1e9, flops / pieces[0] / 1e9);
    }
}
