using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Runtime.Intrinsics;
using Scratch.Autograd;
using Scratch.Gpt.Checkpoints;
using Scratch.Gpt.Sampling;
using Scratch.Tensors;

namespace Scratch.Benchmarks;

/// <summary>
/// Sampling speed: tokens per second of greedy generation with the KV cache, one stream, float32, on a checkpoint
/// (a gpt2-sized one: <c>scratch train --preset gpt2 … --max-iters 0</c> writes random weights), against the memory
/// bandwidth limit: every new token reads every weight once, so no sampler can beat
/// <code>
/// tokens/s ≤ bandwidth / bytes of weights
/// </code>
/// where bandwidth is measured here, reading a 1 GiB array with all cores (and copying it, STREAM's way: bytes read +
/// written). The side-by-side script (sample_side_by_side.sh) runs PyTorch's nanoGPT generate on the same weights.
/// <code>
/// dotnet run -c Release --project benchmarks -- sample CKPT [new tokens = 100] [runs = 3]
/// </code>
/// The prompt is GPT-2's tokens for "The capital of France is" (sample_pytorch.py uses the same). Before timing, the
/// result is checked: the first 8 greedy tokens with the cache equal those of the model's forward over the whole
/// context (no cache); they are printed on a GREEDY line, which the script compares with PyTorch's.
/// </summary>
public static class SampleSpeed
{
    /// <summary>Runs the benchmark; prints a line per run, the median, and "MEDIAN_TOKS" for the script.</summary>
    public static int Run(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: sample CKPT [new tokens = 100] [runs = 3]");
            return 2;
        }
        string ckpt = args[0];
        int count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;
        int runs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;

        var load = Stopwatch.StartNew();
        var (model, _) = CheckpointLoader.Load(ckpt);
        double loadSeconds = load.Elapsed.TotalSeconds;
        long weightBytes = 4 * model.ParameterCount(); // wte is read once per token, by the LM head (the lookup reads one row)
        var c = model.Config;
        Console.WriteLine($"{ckpt}: {model.ParameterCount():N0} parameters ({weightBytes / 1e6:F0} MB of float32), n_layer {c.NLayer}, n_embd {c.NEmbd}, vocab {c.VocabSize}; loaded in {loadSeconds:F2} s");
        Console.WriteLine($".NET {Environment.Version}, {Environment.ProcessorCount} cores, Vector<float> {Vector<float>.Count * 32} bits, Vector512 {(Vector512.IsHardwareAccelerated ? "accelerated" : "not accelerated")}");

        var rng = new Rng(42); // unused by greedy decoding
        int[] prompt = [464, 3139, 286, 4881, 318]; // "The capital of France is"
        int promptLength = prompt.Length;
        var cached = Generator.Generate(new KvCache<float>(model), prompt, 8, SamplingOptions.Greedy, rng).Select(t => t.Id).ToArray();
        var uncached = Generator.Generate(new UncachedSource<float>(model), prompt, 8, SamplingOptions.Greedy, rng).Select(t => t.Id).ToArray();
        if (!cached.SequenceEqual(uncached))
        {
            Console.Error.WriteLine($"scratch: cached greedy tokens {string.Join(" ", cached)} differ from uncached {string.Join(" ", uncached)}");
            return 1;
        }
        Console.WriteLine($"check: the first 8 greedy tokens with and without the KV cache agree");
        Console.WriteLine($"GREEDY {string.Join(" ", cached)}");

        var (read, copy) = Bandwidth();
        double limit = copy / weightBytes;
        Console.WriteLine($"memory bandwidth, {Environment.ProcessorCount} threads: copy {copy / 1e9:F1} GB/s (bytes read + written, as STREAM counts), read {read / 1e9:F1} GB/s; " +
            $"limit {limit:F1} tokens/s (copy bandwidth / weight bytes; {read / weightBytes:F1} by the read bandwidth)");

        // The largest single product of a step: the LM head, x (1, C) · wteᵀ (C, V), which reads all of wte once.
        var wte = model.TokenEmbedding.Value;
        var x = Tensor<float>.Randn(rng, 1, c.NEmbd);
        var head = Stopwatch.StartNew();
        for (int i = 0; i < 20; i++)
        {
            Tensor<float>.MatMul(x, wte.Transpose(0, 1));
        }
        double headBytes = 4.0 * wte.Count * 20 / head.Elapsed.TotalSeconds;
        Console.WriteLine($"the LM head alone (1 × {c.NEmbd} · {c.NEmbd} × {c.VocabSize}): {headBytes / 1e9:F1} GB/s of weights read");

        var rates = new List<double>();
        for (int run = 0; run < runs; run++)
        {
            var source = new KvCache<float>(model);
            var tokens = Generator.Generate(source, prompt, count, SamplingOptions.Greedy, rng).GetEnumerator();
            var first = Stopwatch.StartNew();
            tokens.MoveNext(); // the prompt's forward and the first token
            double promptMs = first.Elapsed.TotalMilliseconds;
            var rest = Stopwatch.StartNew();
            int n = 0;
            while (tokens.MoveNext())
            {
                n++;
            }
            double seconds = rest.Elapsed.TotalSeconds;
            rates.Add(n / seconds);
            Console.WriteLine($"run {run + 1}: prompt of {promptLength} + first token {promptMs:F0} ms; then {n} tokens in {seconds:F2} s = {n / seconds:F2} tokens/s ({1000 * seconds / n:F1} ms/token)");
        }
        double median = rates.Order().ElementAt(rates.Count / 2);
        Console.WriteLine($"median {median:F2} tokens/s = {median / limit * 100:F0}% of the bandwidth limit");
        Console.WriteLine($"MEDIAN_TOKS {median.ToString("F3", CultureInfo.InvariantCulture)}");
        Console.WriteLine($"LIMIT_TOKS {limit.ToString("F3", CultureInfo.InvariantCulture)}");
        return 0;
    }

    /// <summary>Bytes per second reading (a sum over) and copying a 1 GiB array, on all cores; the best of 5.</summary>
    private static (double Read, double Copy) Bandwidth()
    {
        const int n = 1 << 28; // 2^28 floats = 1 GiB
        var a = new float[n];
        var b = new float[n];
        new Span<float>(a).Fill(1);
        new Span<float>(b).Fill(2);
        int cores = Environment.ProcessorCount, chunk = n / cores;
        double bestRead = 0, bestCopy = 0;
        for (int trial = 0; trial < 5; trial++)
        {
            var watch = Stopwatch.StartNew();
            var sums = new float[cores];
            Parallel.For(0, cores, t =>
            {
                var span = new ReadOnlySpan<float>(a, t * chunk, chunk);
                Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
                int w = Vector<float>.Count;
                for (int i = 0; i + 4 * w <= span.Length; i += 4 * w)
                {
                    s0 += new Vector<float>(span[i..]);
                    s1 += new Vector<float>(span[(i + w)..]);
                    s2 += new Vector<float>(span[(i + 2 * w)..]);
                    s3 += new Vector<float>(span[(i + 3 * w)..]);
                }
                sums[t] = Vector.Sum(s0 + s1 + s2 + s3);
            });
            bestRead = Math.Max(bestRead, 4.0 * n / watch.Elapsed.TotalSeconds);
            if (Math.Abs(sums.Sum() - n) > 1)
            {
                throw new InvalidOperationException($"bandwidth: the sum is {sums.Sum()}, not {n}");
            }
            watch.Restart();
            Parallel.For(0, cores, t => new ReadOnlySpan<float>(a, t * chunk, chunk).CopyTo(new Span<float>(b, t * chunk, chunk)));
            bestCopy = Math.Max(bestCopy, 2 * 4.0 * n / watch.Elapsed.TotalSeconds);
        }
        return (bestRead, bestCopy);
    }
}
