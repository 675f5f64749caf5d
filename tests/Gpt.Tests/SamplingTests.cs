using FsCheck;
using FsCheck.Fluent;
using Scratch.Autograd;
using Scratch.Gpt.Sampling;
using Scratch.Tensors;

namespace Scratch.Gpt.Tests;

public sealed class SamplingTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void CachedAndUncachedLogitsAgreeAtEveryStepIncludingPastBlockSize(bool bias)
    {
        var model = TinyModels.Create<float>(TinyModels.Config(bias));
        var cache = new KvCache<float>(model);
        var uncached = new UncachedSource<float>(model);
        var context = new List<int> { 1, 2, 3 };
        var steps = Generator.Generate(cache, context, 20, new SamplingOptions(1.0), new Rng(5)).ToList(); // 23 > block_size 8
        for (int step = 0; step < steps.Count; step++)
        {
            double[] reference = uncached.NextLogits(context);
            Assert.Equal(reference.Length, steps[step].Logits.Length);
            for (int v = 0; v < reference.Length; v++)
            {
                Assert.True(Math.Abs(reference[v] - steps[step].Logits[v]) < 1e-5, $"step {step}, token {v}: uncached {reference[v]}, cached {steps[step].Logits[v]}");
            }
            context.Add(steps[step].Id);
        }
    }

    [Fact]
    public void TheCacheRunsOnlyNewTokensUntilTheWindowSlides()
    {
        var model = TinyModels.Create<float>(TinyModels.Config()); // block_size 8
        var cache = new KvCache<float>(model);
        var steps = Generator.Generate(cache, [1, 2, 3], 4, SamplingOptions.Greedy, new Rng(0)).ToList();
        Assert.Equal([1, 2, 3, .. steps.Take(3).Select(t => t.Id)], cache.Tokens); // the last token is not run until the next step
        var tokensBefore = cache.Tokens.ToArray();
        cache.NextLogits([.. tokensBefore, 4]); // one new token: appended, the rest kept
        Assert.Equal([.. tokensBefore, 4], cache.Tokens);
        cache.NextLogits([.. tokensBefore, 4, 5, 6]); // 9 > block_size: the window slides and is recomputed whole
        Assert.Empty(cache.Tokens);
        cache.NextLogits([7, 8]); // fits again: cached from position 0
        Assert.Equal([7, 8], cache.Tokens);
        cache.NextLogits([7, 9, 1]); // not an extension: rebuilt
        Assert.Equal([7, 9, 1], cache.Tokens);
    }

    [Fact]
    public void AppendingAPromptGivesTheModelsLogitsAtEveryPosition()
    {
        var model = TinyModels.Create<double>(TinyModels.Config());
        int[] prompt = [4, 0, 10, 3, 3, 7];
        var cache = new KvCache<double>(model);
        var first = cache.Append(prompt.AsSpan(0, 4)); // (4, V)
        var second = cache.Append(prompt.AsSpan(4)); // (2, V), attending to the cached 4
        using var _ = GradMode.NoGrad();
        var full = model.Forward(prompt, 1, prompt.Length).Value.Reshape(prompt.Length, 11); // (T, V)
        Assert.True(Tensor<double>.Concat([first, second], 0).AllClose(full, rtol: 1e-12, atol: 1e-12));
    }

    [Fact]
    public void GreedyIsTheArgmaxAtEveryStepAndReproducible()
    {
        var model = TinyModels.Create<float>(TinyModels.Config());
        var run1 = Generator.Generate(new KvCache<float>(model), [1], 15, SamplingOptions.Greedy, new Rng(1)).ToList();
        var run2 = Generator.Generate(new KvCache<float>(model), [1], 15, SamplingOptions.Greedy, new Rng(2)).ToList();
        Assert.Equal(run1.Select(t => t.Id), run2.Select(t => t.Id));
        foreach (var token in run1)
        {
            Assert.Equal(Sampler.ArgMax(token.Logits), token.Id);
            Assert.Equal(1.0, token.Probability);
            Assert.Equal(0.0, token.Entropy);
        }
    }

    [Fact]
    public void AFixedSeedReproducesASample()
    {
        var model = TinyModels.Create<float>(TinyModels.Config());
        var options = new SamplingOptions(Temperature: 1.5);
        int[] Sample(ulong seed) => Generator.Generate(new KvCache<float>(model), [2], 30, options, new Rng(seed)).Select(t => t.Id).ToArray();
        Assert.Equal(Sample(42), Sample(42));
        Assert.NotEqual(Sample(42), Sample(43));
    }

    [Fact]
    public void TemperatureTowardsZeroApproachesGreedy()
    {
        double[] logits = [0.1, 2.0, 1.9, -3.0];
        double previous = 0;
        foreach (double t in new[] { 1.0, 0.3, 0.1, 0.03, 0.01 })
        {
            double pBest = Sampler.Distribution(logits, new SamplingOptions(t))[1];
            Assert.True(pBest > previous, $"T = {t}: p(argmax) = {pBest} did not grow");
            previous = pBest;
        }
        Assert.True(previous > 1 - 1e-4);
        var model = TinyModels.Create<float>(TinyModels.Config());
        var greedy = Generator.Generate(new KvCache<float>(model), [1], 15, SamplingOptions.Greedy, new Rng(1)).Select(t => t.Id);
        var cold = Generator.Generate(new KvCache<float>(model), [1], 15, new SamplingOptions(1e-4), new Rng(1)).Select(t => t.Id);
        Assert.Equal(greedy, cold);
    }

    [Fact]
    public void TopKNeverEmitsATokenOutsideTheKBest()
    {
        var cases = Gen.Choose(0, int.MaxValue).ToArbitrary();
        Corpus.Check(Prop.ForAll(cases, seed =>
        {
            var rng = new Rng((ulong)seed);
            int V = 2 + rng.NextInt(30), k = 1 + rng.NextInt(V);
            double[] logits = Enumerable.Range(0, V).Select(_ => 3 * rng.NextNormal()).ToArray();
            var best = Enumerable.Range(0, V).OrderByDescending(i => logits[i]).ThenBy(i => i).Take(k).ToHashSet();
            var options = new SamplingOptions(Temperature: 0.5 + 2 * rng.NextDouble(), TopK: k);
            double[] p = Sampler.Distribution(logits, options);
            Assert.Equal(1.0, p.Sum(), 1e-12);
            Assert.All(Enumerable.Range(0, V).Where(i => !best.Contains(i)), i => Assert.Equal(0.0, p[i]));
            for (int draw = 0; draw < 50; draw++)
            {
                Assert.Contains(Sampler.Sample(logits, options, rng), best);
            }
        }), maxTest: 200);
    }

    [Fact]
    public void TopPKeepsTheSmallestSetReachingP()
    {
        double[] logits = new[] { 0.05, 0.5, 0.15, 0.3 }.Select(x => Math.Log(x)).ToArray(); // softmax gives these probabilities back
        double[] p = Sampler.Distribution(logits, new SamplingOptions(1.0, TopP: 0.75));
        Assert.Equal([0, 0.5 / 0.8, 0, 0.3 / 0.8], p, new Tolerance(1e-12));
        p = Sampler.Distribution(logits, new SamplingOptions(1.0, TopP: 0.81));
        Assert.Equal([0, 0.5 / 0.95, 0.15 / 0.95, 0.3 / 0.95], p, new Tolerance(1e-12));
        p = Sampler.Distribution(logits, new SamplingOptions(1.0, TopP: 0.4));
        Assert.Equal([0, 1, 0, 0], p, new Tolerance(1e-12));
        p = Sampler.Distribution(logits, new SamplingOptions(1.0, TopP: 1.0));
        Assert.Equal([0.05, 0.5, 0.15, 0.3], p, new Tolerance(1e-12));
        Assert.Equal(-(0.05 * Math.Log(0.05) + 0.5 * Math.Log(0.5) + 0.15 * Math.Log(0.15) + 0.3 * Math.Log(0.3)), Sampler.Entropy(p), 12);
    }

    [Theory]
    [InlineData(-0.5, null, null, "--temperature must be a finite number ≥ 0, got -0.5")]
    [InlineData(1.0, 0, null, "--top-k must be ≥ 1, got 0")]
    [InlineData(1.0, null, 0.0, "--top-p must be in (0, 1], got 0")]
    [InlineData(1.0, null, 1.5, "--top-p must be in (0, 1], got 1.5")]
    public void BadOptionsNameTheFlagAndValue(double temperature, int? topK, double? topP, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => new SamplingOptions(temperature, topK, topP).Validate());
        Assert.Equal(message, error.Message);
    }

    private sealed class Tolerance(double epsilon) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= epsilon;

        public int GetHashCode(double obj) => 0;
    }
}
