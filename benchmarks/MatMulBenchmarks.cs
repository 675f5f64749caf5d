using BenchmarkDotNet.Attributes;
using Scratch.Tensors;

namespace Scratch.Benchmarks;

/// <summary>The fast float matmul on square N×N×N products; GlobalSetup checks it against the reference first.</summary>
public class MatMulBenchmarks
{
    private Tensor<float> a = null!, b = null!;

    [Params(64, 128, 256, 512, 1024)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (a, b) = Operands(N);
        // Check every row for small N; for large N the reference is slow, so every 16th row.
        int step = N <= 256 ? 1 : 16;
        var rows = a.Slice(0, 0, N, step);
        Verify.Close("matmul", Tensor<float>.MatMulReference(rows, b), a.MatMul(b).Slice(0, 0, N, step), 1e-5 * Math.Sqrt(N));
    }

    [Benchmark]
    public Tensor<float> Fast() => a.MatMul(b);

    internal static (Tensor<float> A, Tensor<float> B) Operands(int n)
    {
        var rng = new Rng((ulong)n);
        return (Tensor<float>.Randn(rng, n, n), Tensor<float>.Randn(rng, n, n));
    }
}

/// <summary>The three-loop reference matmul, for comparison (only small sizes: it is slow).</summary>
public class MatMulReferenceBenchmarks
{
    private Tensor<float> a = null!, b = null!;

    [Params(64, 128, 256)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (a, b) = MatMulBenchmarks.Operands(N);
        Verify.Close("matmul reference", Tensor<float>.MatMulReference(a, b), a.MatMul(b), 1e-5 * Math.Sqrt(N));
    }

    [Benchmark]
    public Tensor<float> Reference() => Tensor<float>.MatMulReference(a, b);
}
