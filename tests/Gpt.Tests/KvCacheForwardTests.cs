using FsCheck;
using FsCheck.Fluent;
using Scratch.Autograd;
using Scratch.Gpt.Sampling;
using Scratch.Tensors;

namespace Scratch.Gpt.Tests;

/// <summary>One GPT forward: the model's Forward with an optional KV cache gives the logits of the forward without one.</summary>
public sealed class KvCacheForwardTests
{
    [Fact]
    public void ASequenceFedInAnyChunksThroughTheCacheGivesTheUncachedLogitsAtEveryPosition()
    {
        var cases = Gen.Choose(0, int.MaxValue).ToArbitrary();
        Corpus.Check(Prop.ForAll(cases, seed =>
        {
            var rng = new Rng((ulong)seed);
            bool bias = rng.NextInt(2) == 0;
            var model = TinyModels.Create<double>(TinyModels.Config(bias), seed: (ulong)seed);
            int time = 1 + rng.NextInt(model.Config.BlockSize); // 1 … block_size
            int[] ids = [.. Enumerable.Range(0, time).Select(_ => rng.NextInt(model.Config.VocabSize))];
            using var noGrad = GradMode.NoGrad();
            var full = model.Forward(ids, 1, time).Value.Reshape(time, model.Config.VocabSize); // (T, V)
            var cache = model.NewCache();
            for (int start = 0; start < time;)
            {
                int n = 1 + rng.NextInt(time - start); // the next chunk: 1 … the rest
                var chunk = model.Forward(ids[start..(start + n)], 1, n, cache).Value.Reshape(n, model.Config.VocabSize); // (n, V)
                Assert.Equal(start + n, cache[0].Length);
                var expected = full.Slice(0, start, start + n);
                Assert.True(chunk.AllClose(expected, rtol: 1e-12, atol: 1e-12),
                    $"seed {seed}: positions {start}..{start + n} of {time} differ by {(chunk - expected).Abs().Max().Item()}");
                start += n;
            }
        }), maxTest: 60);
    }

    [Fact]
    public void TheCachedForwardStartsAtThePositionAfterTheCachedOnes()
    {
        // The same token alone at position 0 and after three others must give different logits (wpe[P] is added).
        var model = TinyModels.Create<double>(TinyModels.Config());
        using var noGrad = GradMode.NoGrad();
        var cache = model.NewCache();
        model.Forward([1, 2, 3], 1, 3, cache);
        var after = model.Forward([5], 1, 1, cache).Value;
        var alone = model.Forward([5], 1, 1).Value;
        var atThree = model.Forward([1, 2, 3, 5], 1, 4).Value.Slice(1, 3, 4);
        Assert.True(after.AllClose(atThree, rtol: 1e-12, atol: 1e-12));
        Assert.False(after.AllClose(alone, rtol: 1e-3, atol: 1e-3));
    }

    [Fact]
    public void TheCacheRefusesGradientsABatchAndPositionsPastBlockSize()
    {
        var model = TinyModels.Create<float>(TinyModels.Config()); // block_size 8
        var cache = model.NewCache();
        var grad = Assert.Throws<InvalidOperationException>(() => model.Forward([1, 2], 1, 2, cache));
        Assert.Contains("NoGrad", grad.Message);
        Assert.Equal(0, cache[0].Length);
        using var noGrad = GradMode.NoGrad();
        var batch = Assert.Throws<ArgumentException>(() => model.Forward([1, 2, 3, 4], 2, 2, cache));
        Assert.Equal("gpt: a KV cache holds one sequence, but the batch has 2", batch.Message);
        model.Forward([1, 2, 3, 4, 5, 6], 1, 6, cache);
        var full = Assert.Throws<ArgumentException>(() => model.Forward([1, 2, 3], 1, 3, cache));
        Assert.Equal("gpt: cannot forward 3 tokens after the 6 cached; block_size is only 8", full.Message);
        Assert.Equal(6, cache[0].Length); // nothing appended
        var other = TinyModels.Create<float>(TinyModels.Config() with { NLayer = 3 }).NewCache();
        Assert.Contains("does not fit this model", Assert.Throws<ArgumentException>(() => model.Forward([1], 1, 1, other)).Message);
    }

    [Fact]
    public void TheKvCacheSourceGivesTheUncachedLogitsAtEveryStepOfALongGreedyRun()
    {
        // float32, as sampling runs: the prompt through the batched forward, then one token at a time.
        var model = TinyModels.Create<float>(TinyModels.Config() with { BlockSize = 32 });
        var cache = new KvCache<float>(model);
        var uncached = new UncachedSource<float>(model);
        var context = new List<int> { 3, 1, 4, 1, 5, 9, 2 };
        foreach (var token in Generator.Generate(cache, context, 40, SamplingOptions.Greedy, new Rng(0)).ToList()) // 47 > 32: the window slides too
        {
            double[] reference = uncached.NextLogits(context);
            for (int v = 0; v < reference.Length; v++)
            {
                Assert.True(Math.Abs(reference[v] - token.Logits[v]) <= 1e-5 * Math.Max(1, Math.Abs(reference[v])),
                    $"context {context.Count}, token {v}: uncached {reference[v]}, cached {token.Logits[v]}");
            }
            Assert.Equal(Sampler.ArgMax(reference), token.Id);
            context.Add(token.Id);
        }
    }
}
