using System.Collections.Concurrent;
using Scratch.Tensors.Kernels;
using Xunit;

namespace Scratch.Tensors.Tests;

/// <summary>Chunked.For covers [0, n) exactly once, on the serial path and on the forced parallel path.</summary>
public class ChunkedTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 1)]
    [InlineData(7, 3)]
    [InlineData(10, 4)]
    [InlineData(10, 10)]
    [InlineData(5, 64)]
    [InlineData(100, 7)]
    public void EveryItemIsInExactlyOneChunk(int n, int forced)
    {
        var covered = new int[n];
        var chunks = new ConcurrentBag<(int Start, int Length)>();
        Chunked.ForcedChunks.Value = forced;
        try
        {
            Chunked.For(n, costPerItem: 1, (start, length) =>
            {
                chunks.Add((start, length));
                for (int i = start; i < start + length; i++)
                {
                    Interlocked.Increment(ref covered[i]);
                }
            });
        }
        finally
        {
            Chunked.ForcedChunks.Value = null;
        }
        Assert.All(covered, count => Assert.Equal(1, count));
        Assert.All(chunks, c => Assert.True(c.Length > 0, $"empty chunk at {c.Start}"));
        // ⌈n / ⌈n / k⌉⌉ chunks of ⌈n / k⌉ items, k = min(n, forced): as many as asked, fewer only when sizes round up
        int k = Math.Min(n, forced), size = (n + k - 1) / k;
        Assert.Equal((n + size - 1) / size, chunks.Count);
    }

    [Fact]
    public void SmallWorkRunsAsOneChunkUnlessForced()
    {
        int calls = 0;
        Chunked.For(100, costPerItem: 1, (start, length) => Interlocked.Increment(ref calls));
        Assert.Equal(1, calls);
    }

    [Fact]
    public void NoItemsRunNoChunkEvenWhenForced()
    {
        int calls = 0;
        Chunked.ForcedChunks.Value = 3;
        try
        {
            Chunked.For(0, costPerItem: 1, (start, length) => Interlocked.Increment(ref calls));
        }
        finally
        {
            Chunked.ForcedChunks.Value = null;
        }
        Chunked.For(0, costPerItem: 1, (start, length) => Interlocked.Increment(ref calls));
        Assert.Equal(0, calls);
    }

    [Fact]
    public void ANullBodyIsRefusedEvenWithNothingToDo() =>
        Assert.Throws<ArgumentNullException>(() => Chunked.For(0, costPerItem: 1, null!));
}
