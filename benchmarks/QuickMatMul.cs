using System.Diagnostics;
using Scratch.Tensors;

namespace Scratch.Benchmarks;

/// <summary>
/// The quick matmul job: first check that the fast kernel equals the reference, then time both for square
/// float sizes 64 … 1024 and print GFLOP/s (2·N³ flops per product, the median of several timed runs). The fast
/// product is timed twice: making its result afresh (<c>a.MatMul(b)</c>, as <c>torch.matmul(a, b)</c>), and written
/// into a C made beforehand (<c>Tensor.MatMul(a, b, c)</c>, as <c>torch.matmul(a, b, out=c)</c>), which times the
/// kernel alone: a fresh result of 4 MB or more costs the runtime's allocator page faults that PyTorch's does not pay
/// (benchmarks/README.md, section "One core with the JIT's tiers, a band of columns a thread, the kernel alone", item 3).
/// </summary>
internal static class QuickMatMul
{
    private static readonly int[] Sizes = [64, 128, 256, 512, 1024];

    public static int Run()
    {
        Console.WriteLine($"Scratch matmul, float32, {Environment.ProcessorCount} threads, .NET {Environment.Version}");
        Console.WriteLine($"micro-kernel: {Scratch.Tensors.Kernels.MatMulMicroKernel.Name}");
        if (!Verify())
        {
            return 1;
        }
        Console.WriteLine();
        Console.WriteLine("   N   fast GFLOP/s   into C GFLOP/s   reference GFLOP/s");
        foreach (int n in Sizes)
        {
            var rng = new Rng((ulong)n);
            var a = Tensor<float>.Randn(rng, n, n);
            var b = Tensor<float>.Randn(rng, n, n);
            var c = Tensor<float>.Zeros(n, n);
            double fast = Gflops(2.0 * n * n * n, () => Tensor<float>.MatMul(a, b), targetSeconds: 1.0);
            double intoC = Gflops(2.0 * n * n * n, () => Tensor<float>.MatMul(a, b, c), targetSeconds: 1.0);
            // The reference is slow: time it fewer times, and only once at 1024.
            double reference = Gflops(2.0 * n * n * n, () => Tensor<float>.MatMulReference(a, b), targetSeconds: n >= 1024 ? 0 : 1.0);
            Console.WriteLine($"{n,4}   {fast,12:F1}   {intoC,14:F1}   {reference,17:F2}");
        }
        GptShapes();
        return 0;
    }

    /// <summary>
    /// The products of a GPT-2 small layer (C = 768, B·T = 2048 tokens, H = 12 heads of hs = 64, T = 256), with the
    /// operands laid out as the model has them: weights stored (out, in) and used transposed, the weight gradient
    /// xᵀ·dy with a transposed left operand, and attention's batched Q·Kᵀ.
    /// </summary>
    private static void GptShapes()
    {
        var rng = new Rng(7);
        var x = Tensor<float>.Randn(rng, 2048, 768);                 // (B·T, C)
        var w = Tensor<float>.Randn(rng, 2304, 768);                 // (3C, C), as nn.Linear stores it
        var dy = Tensor<float>.Randn(rng, 2048, 2304);               // (B·T, 3C)
        var q = Tensor<float>.Randn(rng, 8, 12, 256, 64);            // (B, H, T, hs)
        var k = Tensor<float>.Randn(rng, 8, 12, 256, 64);            // (B, H, T, hs)
        Console.WriteLine();
        var (xw, xdy, qk) = (Tensor<float>.Zeros(2048, 2304), Tensor<float>.Zeros(768, 2304), Tensor<float>.Zeros(8, 12, 256, 256));
        Console.WriteLine("GPT-2 small shapes                          fast GFLOP/s   into C GFLOP/s");
        double linear = 2.0 * 2048 * 768 * 2304, attention = 2.0 * 96 * 256 * 256 * 64;
        Console.WriteLine($"x · Wᵀ    (2048,768)·(768,2304), W transposed {Gflops(linear, () => x.MatMul(w.Transpose()), 1.0),12:F1}   {Gflops(linear, () => Tensor<float>.MatMul(x, w.Transpose(), xw), 1.0),14:F1}");
        Console.WriteLine($"xᵀ · dy   (768,2048)·(2048,2304), x transposed {Gflops(linear, () => x.Transpose().MatMul(dy), 1.0),11:F1}   {Gflops(linear, () => Tensor<float>.MatMul(x.Transpose(), dy, xdy), 1.0),14:F1}");
        Console.WriteLine($"Q · Kᵀ    96 × (256,64)·(64,256), K transposed {Gflops(attention, () => q.MatMul(k.Transpose(-2, -1)), 1.0),11:F1}   {Gflops(attention, () => Tensor<float>.MatMul(q, k.Transpose(-2, -1), qk), 1.0),14:F1}");
    }

    /// <summary>Fast equals reference on awkward shapes and transposed operands, and on rows of the 1024³ product.</summary>
    private static bool Verify()
    {
        var rng = new Rng(42);
        bool ok = true;
        foreach (var (m, k, n) in new[] { (129, 257, 65), (300, 31, 517), (64, 64, 64) })
        {
            var a = Tensor<float>.Randn(rng, m, k);
            var bt = Tensor<float>.Randn(rng, n, k).Transpose(); // (K, N), read through its strides
            var expected = Tensor<float>.MatMulReference(a, bt);
            ok &= Check($"{m}x{k}x{n}", expected, a.MatMul(bt), k);
            ok &= Check($"{m}x{k}x{n} into C", expected, Tensor<float>.MatMul(a, bt, Tensor<float>.Full([m, n], float.NaN)), k);
        }
        // 1024³: the reference would take seconds, so compare every 64th row (16 rows of C).
        var big = Tensor<float>.Randn(rng, 1024, 1024);
        var other = Tensor<float>.Randn(rng, 1024, 1024);
        var rows = big.Slice(0, 0, 1024, 64); // (16, 1024)
        ok &= Check("1024x1024x1024 (every 64th row)", Tensor<float>.MatMulReference(rows, other), big.MatMul(other).Slice(0, 0, 1024, 64), 1024);
        return ok;
    }

    private static bool Check(string what, Tensor<float> expected, Tensor<float> actual, int k)
    {
        double tol = 1e-5 * Math.Sqrt(k);
        bool ok = actual.AllClose(expected, rtol: tol, atol: tol);
        Console.WriteLine($"check {what}: fast == reference (tol {tol:G2}): {(ok ? "ok" : "FAILED")}");
        return ok;
    }

    /// <summary>
    /// flops / (median seconds per product) / 10⁹. Warm-up first, untimed, for at least 0.3 s (or one run): the JIT
    /// compiles a method twice, quickly and then well, and only the second version is worth timing. Then runs
    /// that last about <paramref name="targetSeconds"/> in total (at least three); a single run when it is 0.
    /// </summary>
    private static double Gflops(double flops, Func<Tensor<float>> product, double targetSeconds)
    {
        var watch = Stopwatch.StartNew();
        int warmups = 0;
        do
        {
            product();
            warmups++;
        } while (targetSeconds > 0 && watch.Elapsed.TotalSeconds < 0.3);
        double once = watch.Elapsed.TotalSeconds / warmups;
        if (targetSeconds == 0)
        {
            return flops / once / 1e9;
        }
        int reps = (int)Math.Clamp(targetSeconds / Math.Max(once, 1e-6), 3, 20000);
        var times = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            long start = Stopwatch.GetTimestamp();
            product();
            times[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        Array.Sort(times);
        return flops / times[reps / 2] / 1e9;
    }
}
