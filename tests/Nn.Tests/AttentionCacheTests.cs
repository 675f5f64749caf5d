using Scratch.Autograd;
using Scratch.Nn.Modules;
using Scratch.Tensors;

namespace Scratch.Nn.Tests;

/// <summary>The KV cache of one attention layer gives the attention of the whole sequence, chunk by chunk.</summary>
public sealed class AttentionCacheTests
{
    [Fact]
    public void ChunksThroughTheCacheEqualCausalSelfAttentionOnTheWholeSequence() => Fixtures.Property(100, seed =>
    {
        var r = new Random(seed);
        int H = 1 + r.Next(3), hs = 1 + r.Next(4), T = 1 + r.Next(9), C = H * hs;
        var rng = new Rng((ulong)seed);
        var attention = new CausalSelfAttention<double>(C, H, 1, 0.0, r.Next(2) == 0, rng);
        var x = Tensor<double>.Randn(rng, 1, T, C);
        using var noGrad = GradMode.NoGrad();
        var whole = attention.Forward(new Var<double>(x)).Value; // (1, T, C)
        var cache = new AttentionCache<double>(T + r.Next(3), C, H);
        for (int start = 0; start < T;)
        {
            int n = 1 + r.Next(T - start);
            var chunk = attention.Forward(new Var<double>(x.Slice(1, start, start + n).Contiguous()), cache).Value; // (1, n, C)
            Assert.True(chunk.AllClose(whole.Slice(1, start, start + n), rtol: 1e-12, atol: 1e-12), $"seed {seed}: positions {start}..{start + n}");
            start += n;
        }
        Assert.Equal(T, cache.Length);
    });

    [Fact]
    public void TheCacheGrowsPastItsFirst64RowsUpToItsCapacityKeepingWhatItHolds()
    {
        var rng = new Rng(11);
        int T = 150, C = 4, H = 2;
        var attention = new CausalSelfAttention<double>(C, H, 1, 0.0, true, rng);
        var x = Tensor<double>.Randn(rng, 1, T, C);
        using var noGrad = GradMode.NoGrad();
        var whole = attention.Forward(new Var<double>(x)).Value; // (1, T, C)
        var cache = new AttentionCache<double>(T, C, H);
        foreach (var (start, end) in new[] { (0, 60), (60, 61), (61, 100), (100, 129), (129, 150) }) // 64 → 128 → 150 rows
        {
            var chunk = attention.Forward(new Var<double>(x.Slice(1, start, end).Contiguous()), cache).Value;
            Assert.True(chunk.AllClose(whole.Slice(1, start, end), rtol: 1e-12, atol: 1e-12), $"positions {start}..{end}");
        }
        Assert.Contains("the cache holds 150 (block_size)", Assert.Throws<ArgumentException>(() =>
            attention.Forward(new Var<double>(x.Slice(1, 0, 1).Contiguous()), cache)).Message);
    }

    [Fact]
    public void KeptWeightsAreTheSoftmaxRowsOverThePastOnly()
    {
        var rng = new Rng(4);
        var attention = new CausalSelfAttention<double>(4, 2, 1, 0.0, true, rng);
        var cache = new AttentionCache<double>(8, 4, 2) { KeepWeights = true };
        using var noGrad = GradMode.NoGrad();
        attention.Forward(new Var<double>(Tensor<double>.Randn(rng, 1, 3, 4)), cache);
        attention.Forward(new Var<double>(Tensor<double>.Randn(rng, 1, 2, 4)), cache);
        var w = cache.LastWeights!; // (H, n = 2, L = 5): queries at positions 3 and 4
        Assert.Equal([2, 2, 5], w.ShapeArray());
        for (int h = 0; h < 2; h++)
        {
            Assert.Equal(0.0, w[h, 0, 4]); // position 3 may not see position 4
            Assert.Equal(1.0, w[h, 0, 0] + w[h, 0, 1] + w[h, 0, 2] + w[h, 0, 3], 12);
            Assert.Equal(1.0, Enumerable.Range(0, 5).Sum(s => w[h, 1, s]), 12);
            Assert.True(w[h, 1, 4] > 0);
        }
        cache.Clear();
        Assert.Equal(0, cache.Length);
        Assert.Null(cache.LastWeights);
    }

    [Fact]
    public void AFirstChunkLongerThanTwiceTheInitialRowsGrowsTheCacheAtOnce()
    {
        // 150 positions in one chunk: past the first 64 rows and past twice that, so the cache grows to what is needed.
        var rng = new Rng(12);
        int T = 150, C = 4, H = 2;
        var attention = new CausalSelfAttention<double>(C, H, 1, 0.0, true, rng);
        var x = Tensor<double>.Randn(rng, 1, T, C);
        using var noGrad = GradMode.NoGrad();
        var whole = attention.Forward(new Var<double>(x)).Value; // (1, T, C)
        var cache = new AttentionCache<double>(200, C, H);
        var chunk = attention.Forward(new Var<double>(x), cache).Value;
        Assert.True(chunk.AllClose(whole, rtol: 1e-12, atol: 1e-12));
        Assert.Equal(T, cache.Length);
    }
}
