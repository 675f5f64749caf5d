using System.Collections.Concurrent;
using Scratch.Tensors.Kernels;
using Xunit;

namespace Scratch.Tensors.Tests;

/// <summary>
/// Workers.For, the parallel loop under Chunked.For and the matrix products: every index runs once, on more than one
/// thread, from many callers at once, inside another loop, after the workers have gone to sleep, and a body's exception
/// and the caller's AsyncLocal values reach where they should. The loops that hang (a lost wake-up, a late worker
/// that takes an index of the next loop) would hang here, so each test runs under a time limit.
/// </summary>
public class WorkersTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    /// <summary>Runs <paramref name="test"/> on another thread and fails if it takes longer than <see cref="Limit"/>.</summary>
    private static void Within(Action test)
    {
        var run = Task.Factory.StartNew(test, TaskCreationOptions.LongRunning);
        Assert.True(run.Wait(Limit), $"did not finish within {Limit.TotalSeconds} s: a loop hangs");
    }

    private static int[] Counts(int count)
    {
        var runs = new int[count];
        Workers.For(count, i => Interlocked.Increment(ref runs[i]));
        return runs;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(1000)]
    public void EveryIndexRunsExactlyOnce(int count) =>
        Within(() => Assert.All(Counts(count), runs => Assert.Equal(1, runs)));

    [Fact]
    public void NothingToDoRunsNothingAndANullBodyIsRefused()
    {
        int calls = 0;
        Workers.For(0, _ => calls++);
        Workers.For(-3, _ => calls++);
        Assert.Equal(0, calls);
        Assert.Throws<ArgumentNullException>(() => Workers.For(0, null!));
    }

    [Fact]
    public void LoopsBackToBackNeverLoseAnIndex() => Within(() =>
    {
        // The race that hangs a team of spinning workers: a worker still finishing loop n while the caller starts n + 1.
        var runs = new int[3];
        for (int loop = 0; loop < 100_000; loop++)
        {
            Workers.For(1 + loop % 3, i => Interlocked.Increment(ref runs[i]));
        }
        Assert.Equal([100_000, 66_666, 33_333], runs); // counts 1, 2, 3, 1, 2, 3, …
    });

    [Fact]
    public void ManyCallersAtOnceEachGetEveryIndex() => Within(() =>
    {
        // One caller holds the team; the others run on the thread pool meanwhile. Each must see its own loop complete.
        var wrong = new ConcurrentBag<string>();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, caller =>
        {
            for (int loop = 0; loop < 2_000; loop++)
            {
                int count = 1 + (caller * 7 + loop) % 17;
                int[] runs = Counts(count);
                if (runs.Any(r => r != 1))
                {
                    wrong.Add($"caller {caller}, loop {loop}: [{string.Join(", ", runs)}]");
                }
            }
        });
        Assert.Empty(wrong);
    });

    [Fact]
    public void ALoopInsideABodyRunsEveryIndex() => Within(() =>
    {
        var runs = new int[4, 5];
        Workers.For(4, i => Workers.For(5, j => Interlocked.Increment(ref runs[i, j])));
        Assert.All(runs.Cast<int>(), r => Assert.Equal(1, r));
    });

    [Fact]
    public void TheIndicesRunOnMoreThanOneThreadEvenAfterTheWorkersSlept() => Within(() =>
    {
        // Each of the two bodies waits until both have started: one thread alone would wait forever (here, 30 s).
        // The last round suppresses the flow of the caller's execution context, which the workers then run without.
        for (int round = 0; round < 4; round++)
        {
            Thread.Sleep(Workers.SpinTime * 5); // long enough for an idle worker to go to sleep
            using var noFlow = round == 3 ? ExecutionContext.SuppressFlow() : default(AsyncFlowControl?);
            using var bothStarted = new CountdownEvent(2);
            var threads = new ConcurrentBag<int>();
            Workers.For(2, _ =>
            {
                threads.Add(Environment.CurrentManagedThreadId);
                bothStarted.Signal();
                Assert.True(bothStarted.Wait(TimeSpan.FromSeconds(30)), "the second index never started while the first ran");
            });
            Assert.Equal(2, threads.Distinct().Count());
        }
    });

    [Fact]
    public void ForReturnsOnlyWhenTheOtherThreadsIndicesAreDone() => Within(() =>
    {
        // The caller runs out of indices first and must wait for the one the other thread is still running.
        int caller = Environment.CurrentManagedThreadId;
        using var bothStarted = new CountdownEvent(2);
        var done = new bool[2];
        Workers.For(2, i =>
        {
            bothStarted.Signal();
            Assert.True(bothStarted.Wait(TimeSpan.FromSeconds(30)), "the second index never started while the first ran");
            if (Environment.CurrentManagedThreadId != caller)
            {
                Thread.Sleep(100);
            }
            Volatile.Write(ref done[i], true);
        });
        Assert.Equal([true, true], done);
    });

    [Fact]
    public void ABodysExceptionIsThrownAsItselfAfterEveryIndexRan() => Within(() =>
    {
        foreach (bool nested in new[] { false, true }) // the team, and the thread pool (a loop inside a loop)
        {
            var runs = new int[50];
            void Loop() => Workers.For(50, i =>
            {
                Interlocked.Increment(ref runs[i]);
                if (i == 7)
                {
                    throw new InvalidOperationException("index 7");
                }
            });
            var e = Assert.Throws<InvalidOperationException>(() =>
            {
                if (nested)
                {
                    Workers.For(1, _ => Loop());
                }
                else
                {
                    Loop();
                }
            });
            Assert.Equal("index 7", e.Message);
            Assert.All(runs, r => Assert.Equal(1, r));
        }
    });

    private static readonly AsyncLocal<int> Flowing = new();

    [Fact]
    public void TheCallersAsyncLocalValuesReachEveryBody() => Within(() =>
    {
        Flowing.Value = 42;
        var seen = new int[64];
        Workers.For(64, i =>
        {
            Thread.SpinWait(1_000); // long enough for the workers to take some of the indices
            seen[i] = Flowing.Value;
        });
        Assert.All(seen, v => Assert.Equal(42, v));
    });
}
