using System.Diagnostics;
using System.Security.Cryptography;
using Scratch.Gpt.Training;
using Xunit.Abstractions;

namespace Scratch.Gpt.Tests;

/// <summary>
/// The real thing: <c>scratch train</c> in its own process, saving a checkpoint every iteration, killed with SIGKILL
/// at random moments. Every time, the directory must load as exactly one saved state, and resuming from it must
/// end bit for bit where the uninterrupted run ends. (CheckpointSafetyTests stops a save at each of its steps in turn;
/// this checks that nothing else, such as the operating system's handling of a killed process, breaks it.)
/// </summary>
public sealed class KillDuringSaveTests(ITestOutputHelper log) : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    private const int Iterations = 20;

    /// <summary>A model of 0.4M parameters whose save (1.6 MB of weights, 3.3 MB of Adam moments) takes about as long as its step.</summary>
    private string[] Flags(string dir) =>
        ["train", "--data", cli.Corpus, "--out", dir, "--n-layer", "2", "--n-head", "4", "--n-embd", "128", "--block-size", "32",
         "--batch-size", "4", "--max-iters", $"{Iterations}", "--lr-decay-iters", $"{Iterations}", "--warmup-iters", "2",
         "--eval-interval", "1", "--eval-iters", "1", "--log-interval", "1", "--seed", "3"];

    /// <summary>Starts <c>scratch</c> (the build beside the tests) in a new process; <paramref name="started"/> is set at its first evaluation line.</summary>
    private static Process Start(string[] args, ManualResetEventSlim started)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "scratch.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data?.Contains("val loss", StringComparison.Ordinal) == true)
            {
                started.Set(); // the model is built and the first checkpoint is being saved
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    [Fact]
    public void AKillAtAnyMomentLeavesOneSavedStateAndResumeEndsWhereTheUninterruptedRunEnds()
    {
        string reference = Path.Combine(cli.Dir, "reference");
        double seconds; // from the first evaluation to the end
        using (var started = new ManualResetEventSlim())
        using (var whole = Start(Flags(reference), started))
        {
            Assert.True(started.Wait(120_000), "the uninterrupted run did not start in 2 minutes");
            var clock = Stopwatch.StartNew();
            Assert.True(whole.WaitForExit(120_000), "the uninterrupted run did not finish in 2 minutes");
            seconds = clock.Elapsed.TotalSeconds;
            Assert.Equal(0, whole.ExitCode);
        }
        string expected = Hash(Path.Combine(reference, Checkpoint.ModelFile));

        var random = new Random(2026);
        int mid = 0, loaded = 0;
        const int kills = 10;
        for (int k = 0; k < kills; k++)
        {
            string dir = Path.Combine(cli.Dir, $"killed-{k}");
            double delay = seconds * 0.9 * random.NextDouble(); // after the first evaluation, before the end
            using (var started = new ManualResetEventSlim())
            using (var run = Start(Flags(dir), started))
            {
                Assert.True(started.Wait(120_000), "the run did not start in 2 minutes");
                if (run.WaitForExit(TimeSpan.FromSeconds(delay)))
                {
                    continue; // finished before the kill: nothing to learn
                }
                run.Kill(); // SIGKILL: no handler, no finally block runs
                run.WaitForExit();
            }
            if (!CheckpointDirectory.HoldsCheckpoint(dir))
            {
                continue; // killed before its first save
            }
            string[] leftovers = [.. Directory.EnumerateFiles(dir, ".*").Select(Path.GetFileName)!];
            mid += leftovers.Length > 0 ? 1 : 0;

            // Exactly one saved state: every file is the one the manifest names, and they agree on the iteration.
            var manifest = CheckpointDirectory.Manifest(dir)!;
            var (model, _) = Checkpoint.LoadModel(dir, new Tensors.Rng(0));
            var state = Checkpoint.LoadState(dir);
            Checkpoint.LoadOptimizer(dir, new Nn.Optimizers.AdamW<float>(Nn.Optimizers.ParamGroups.ForWeightDecay(model.NamedParameters(), 0.1)));
            Assert.Equal(manifest.Iteration, state.Iteration);
            Assert.InRange(state.Iteration, 0, Iterations);
            loaded++;
            log.WriteLine($"kill {k} {delay:0.00} s after the first evaluation: iteration {state.Iteration}, leftovers [{string.Join(", ", leftovers)}]");

            var (code, _, err) = CliRunner.Run([.. Flags(dir), "--resume"]);
            Assert.True(code == 0, err);
            Assert.Equal(expected, Hash(Path.Combine(dir, Checkpoint.ModelFile)));
            Assert.Empty(Directory.EnumerateFiles(dir, ".*"));
        }
        log.WriteLine($"{loaded} of {kills} kills left a checkpoint; {mid} of them were in the middle of a save");
        Assert.True(loaded >= 3, $"only {loaded} of {kills} kills left a checkpoint (the uninterrupted run took {seconds:0.0} s after its first evaluation)");
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
