using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// Threads that stay awake between parallel loops: <see cref="For"/> runs body(0 .. count − 1) on the calling thread and
/// on one worker thread per other core, and returns when every index is done. <see cref="Chunked.For"/> and the
/// matrix products run their parallel loops here.
/// <para>
/// Why not <c>Parallel.For</c>: a training step is a few hundred short loops (a baby GPT step: 270 loops in 35–45 ms on
/// two cores, so about 150 µs each) with a little serial work between them. <c>Parallel.For</c> hands each loop to the
/// .NET thread pool, whose idle threads sleep; waking one takes tens of microseconds, and on two cores the calling
/// thread had done 56 % of the loops' work by the time the other thread joined. Here a worker spins for
/// <see cref="SpinTime"/> after each loop, watching for the next one, and only then sleeps; on the same step the two
/// threads now share the work 50 : 50. PyTorch's CPU loops (OpenMP) keep their threads the same way.
/// </para>
/// <para>
/// Each index goes to whichever thread takes it first (one atomic counter per loop), so a thread that arrives late, or
/// that another process keeps off its core, simply does less; the caller must give every index the same result
/// whatever thread runs it. When the caller has run out of indices it waits for the others' last ones, spinning up to
/// <see cref="SpinTime"/> and then blocking. A loop started from inside a body, or while another thread's loop holds
/// the workers, runs on <c>Parallel.For</c>, so callers never wait on each other. Values of <see cref="AsyncLocal{T}"/>
/// (the tests' forced paths) reach the bodies, as with <c>Parallel.For</c>.
/// </para>
/// </summary>
internal static class Workers
{
    /// <summary>
    /// How long a thread spins, yielding its core to any other thread that wants it, before it blocks: an idle worker
    /// waiting for the next loop, and a caller waiting for the indices the workers still run. Blocking and waking cost
    /// more than spinning through the waits of a training step, on the 2-vCPU machine this was measured on: with 2 ms,
    /// the Shakespeare model's worker fell asleep 20–23 times a step, with 20 ms less than once, and a caller that
    /// blocked after 2 ms or 50 µs made the step 1.08–1.09× as long as one that kept spinning. Short enough that a
    /// program that has stopped computing frees the core within 20 ms.
    /// </summary>
    public static readonly TimeSpan SpinTime = TimeSpan.FromMilliseconds(20);

    private static readonly long SpinTicks = (long)(SpinTime.TotalSeconds * Stopwatch.Frequency);
    private static readonly Worker[] Team = StartTeam(Environment.ProcessorCount - 1);
    private static Loop? current; // the latest loop; workers join it when it is not the one they last ran
    private static int busy;      // 1 while a caller's loop holds the team (a loop inside one of its bodies finds it so)

    /// <summary>
    /// Runs body(i) for every i in [0, <paramref name="count"/>), each once, spread over the calling thread and the
    /// workers; returns when all are done. If a body throws, the first exception is thrown here, after every index has
    /// run.
    /// </summary>
    public static void For(int count, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (count <= 0)
        {
            return;
        }
        // Stryker disable once Logical,Equality : which threads run the indices decides only the speed (WorkersTests hold both paths to every index once)
        if (Team.Length == 0 || Interlocked.CompareExchange(ref busy, 1, 0) != 0)
        {
            OnThreadPool(count, body);
            return;
        }
        var loop = new Loop(body, count, ExecutionContext.Capture());
        try
        {
            Volatile.Write(ref current, loop);
            foreach (var worker in Team)
            {
                if (Interlocked.Exchange(ref worker.Asleep, 0) == 1)
                {
                    worker.Wake.Release();
                }
            }
            loop.Work();
            loop.WaitUntilFinished();
        }
        finally
        {
            Volatile.Write(ref busy, 0);
        }
        loop.ThrowIfFailed();
    }

    /// <summary><c>Parallel.For</c>, with what <see cref="For"/> promises: every index runs, and a body's exception (the
    /// first) is thrown as itself afterwards, not wrapped in an <see cref="AggregateException"/>.</summary>
    private static void OnThreadPool(int count, Action<int> body)
    {
        Exception? failure = null;
        Parallel.For(0, count, i => RunIndex(body, i, ref failure));
        if (failure is not null)
        {
            ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>body(i), keeping the first exception of the loop in <paramref name="failure"/> so the others still run.</summary>
    private static void RunIndex(Action<int> body, int i, ref Exception? failure)
    {
        try
        {
            body(i);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref failure, e, null);
        }
    }

    private static Worker[] StartTeam(int size)
    {
        var team = new Worker[Math.Max(0, size)];
        for (int w = 0; w < team.Length; w++)
        {
            var worker = team[w] = new Worker();
            new Thread(() => Run(worker)) { IsBackground = true, Name = $"Scratch worker {w + 1}" }.Start();
        }
        return team;
    }

    /// <summary>A worker's life: join each new loop; between loops spin for <see cref="SpinTime"/>, then sleep.</summary>
    private static void Run(Worker worker)
    {
        Loop? done = null;
        while (true)
        {
            long idleSince = Stopwatch.GetTimestamp();
            var wait = new SpinWait();
            Loop? loop;
            while ((loop = Volatile.Read(ref current)) == done)
            {
                if (Stopwatch.GetTimestamp() - idleSince > SpinTicks)
                {
                    Sleep(worker, done);
                    idleSince = Stopwatch.GetTimestamp();
                }
                wait.SpinOnce(sleep1Threshold: -1); // spins, then yields the core; never Thread.Sleep(1)
            }
            done = loop;
            if (loop!.Context is { } context)
            {
                ExecutionContext.Run(context, static state => ((Loop)state!).Work(), loop);
            }
            else
            {
                loop.Work();
            }
        }
    }

    /// <summary>
    /// Sleeps until a caller publishes a loop other than <paramref name="done"/>. The flag goes up before the last look
    /// at <see cref="current"/>, and a caller takes it down after publishing, so no wake-up is lost: either this thread
    /// sees the new loop, or the caller sees the flag and releases the semaphore (once; a flag taken down by this
    /// thread itself means no release is coming).
    /// </summary>
    private static void Sleep(Worker worker, Loop? done)
    {
        Interlocked.Exchange(ref worker.Asleep, 1);
        if (Volatile.Read(ref current) != done && Interlocked.Exchange(ref worker.Asleep, 0) == 1)
        {
            return;
        }
        worker.Wake.Wait();
    }

    /// <summary>A worker: 1 in <see cref="Asleep"/> while it sleeps (or is about to), and the semaphore that wakes it.</summary>
    private sealed class Worker
    {
        public int Asleep;
        public readonly SemaphoreSlim Wake = new(0);
    }

    /// <summary>One loop: its body and count, the next index to hand out, and how many indices are not yet done.</summary>
    private sealed class Loop(Action<int> body, int count, ExecutionContext? context)
    {
        private readonly int count = count;
        private readonly object gate = new(); // the caller waits on it for the last index
        private int next = -1, unfinished = count;
        private Exception? failure;

        /// <summary>The caller's execution context, in which the workers run the bodies.</summary>
        public ExecutionContext? Context { get; } = context;

        /// <summary>Takes and runs indices until none are left; a thread that comes late finds none and returns.</summary>
        public void Work()
        {
            for (int i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                RunIndex(body, i, ref failure);
                if (Interlocked.Decrement(ref unfinished) == 0)
                {
                    lock (gate)
                    {
                        Monitor.PulseAll(gate);
                    }
                }
            }
        }

        /// <summary>Waits for the indices other threads are still running: spins for <see cref="SpinTime"/>, then blocks.</summary>
        public void WaitUntilFinished()
        {
            long until = Stopwatch.GetTimestamp() + SpinTicks;
            var wait = new SpinWait();
            // Stryker disable once all : spinning first only saves the cost of blocking and waking; the wait below ends when the last index is done either way
            while (Volatile.Read(ref unfinished) != 0 && Stopwatch.GetTimestamp() < until)
            {
                wait.SpinOnce(sleep1Threshold: -1);
            }
            lock (gate)
            {
                while (Volatile.Read(ref unfinished) != 0)
                {
                    Monitor.Wait(gate); // the thread that finishes the last index pulses it, after counting it done
                }
            }
        }

        public void ThrowIfFailed()
        {
            if (failure is not null)
            {
                ExceptionDispatchInfo.Throw(failure);
            }
        }
    }
}
