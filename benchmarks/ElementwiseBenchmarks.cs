using BenchmarkDotNet.Attributes;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Benchmarks;

/// <summary>
/// Elementwise ops and reductions at GPT-2 small sizes: B = 8 sequences, T = 256 positions, C = 768 channels,
/// H = 4 heads (fewer than GPT-2's 12, to keep the reference check short). GlobalSetup compares each fast op with the plain reference kernel before anything is timed.
/// </summary>
public class ElementwiseBenchmarks
{
    private const int B = 8, T = 256, C = 768, H = 4;

    private Tensor<float> x = null!, bias = null!, scores = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Rng(1);
        x = Tensor<float>.Randn(rng, B, T, C);          // (B, T, C) activations
        bias = Tensor<float>.Randn(rng, C);             // (C) a Linear layer's bias
        scores = Tensor<float>.Randn(rng, B, H, T, T);  // (B, H, T, T) attention scores
        Verify.Close("add", Reference.Binary("add", x, bias, new AddOp<float>()), AddBias(), 1e-6);
        Verify.Close("exp", Reference.Unary(x, new ExpOp<float>()), Exp(), 1e-5);
        Verify.Close("gelu", Reference.Unary(x, new GeluOp<float>()), Gelu(), 1e-5);
        Verify.Close("sum", Reference.Sum(x, [2]).Reshape(B, T), SumLastAxis(), 1e-4);
        Verify.Close("softmax", Reference.Softmax(scores), Softmax(), 1e-5);
    }

    /// <summary>(B, T, C) + (C): the bias broadcast over B and T.</summary>
    [Benchmark]
    public Tensor<float> AddBias() => x + bias;

    [Benchmark]
    public Tensor<float> Exp() => x.Exp();

    [Benchmark]
    public Tensor<float> Gelu() => x.Gelu();

    /// <summary>(B, T, C) → (B, T).</summary>
    [Benchmark]
    public Tensor<float> SumLastAxis() => x.Sum(-1);

    /// <summary>(B, H, T, T) → (B, H, T, T), along the last axis.</summary>
    [Benchmark]
    public Tensor<float> Softmax() => scores.Softmax(-1);
}
