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

    /// <summary>
    /// Starts <c>scratch</c> (the build beside the tests) in a new process; <paramref name="evaluated"/> is called with
    /// the iteration of each evaluation line it prints (the save of that iteration's checkpoint follows at once).
    /// </summary>
    private static Process Start(string[] args, Action<int> evaluated)
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
            var match = EvalLine.Match(line.Data ?? "");
            if (match.Success)
            {
                evaluated(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static readonly System.Text.RegularExpressions.Regex EvalLine = new(@"^step (\d+): train loss .* val loss");

    [Fact]
    public void AKillAtAnyMomentLeavesOneSavedStateAndResumeEndsWhereTheUninterruptedRunEnds()
    {
        string reference = Path.Combine(cli.Dir, "reference");
        var clock = Stopwatch.StartNew();
        double first = 0, last = 0;
        using (var whole = Start(Flags(reference), iteration => { if (iteration == 1) { first = clock.Elapsed.TotalMilliseconds; } last = clock.Elapsed.TotalMilliseconds; }))
        {
            Assert.True(whole.WaitForExit(300_000), "the uninterrupted run did not finish in 5 minutes");
            Assert.Equal(0, whole.ExitCode);
        }
        int between = Math.Max(1, (int)((last - first) / (Iterations - 1))); // ms from one evaluation line to the next
        string expected = Hash(Path.Combine(reference, Checkpoint.ModelFile));

        // Each run is killed when it prints the evaluation of a random iteration k ≥ 1, after a random part of the time
        // to the next one (while it takes a sample, saves checkpoint k or takes step k), or, every other run, 0–30 ms
        // after the save of checkpoint k begins. Checkpoint k − 1 is complete by then, so there is always one to load.
        var random = new Random(2026);
        int mid = 0;
        const int kills = 10;
        for (int k = 0; k < kills; k++)
        {
            string dir = Path.Combine(cli.Dir, $"killed-{k}");
            int target = random.Next(1, Iterations);
            int delay = random.Next(0, between);
            using (var reached = new ManualResetEventSlim())
            using (var run = Start(Flags(dir), iteration => { if (iteration == target) { reached.Set(); } }))
            {
                Assert.True(reached.Wait(300_000), $"run {k} did not reach iteration {target}");
                if (k % 2 == 1)
                {
                    // Every other kill lands inside the save: from the moment its first staged file appears, 0–30 ms.
                    var wait = Stopwatch.StartNew();
                    while (!Directory.EnumerateFiles(dir, ".*").Any() && !run.HasExited && wait.ElapsedMilliseconds < 10_000)
                    {
                        Thread.Sleep(1);
                    }
                    delay = random.Next(0, 30);
                }
                Thread.Sleep(delay);
                run.Kill(); // SIGKILL: no handler, no finally block runs
                run.WaitForExit();
            }
            string[] leftovers = [.. Directory.EnumerateFiles(dir, ".*").Select(Path.GetFileName)!];
            mid += leftovers.Length > 0 ? 1 : 0;

            // Exactly one saved state: every file is the one the manifest names, and they agree on the iteration.
            var manifest = CheckpointDirectory.Manifest(dir)!;
            var (model, _) = Checkpoint.LoadModel(dir, new Tensors.Rng(0));
            var state = Checkpoint.LoadState(dir);
            Checkpoint.LoadOptimizer(dir, new Nn.Optimizers.AdamW<float>(Nn.Optimizers.ParamGroups.ForWeightDecay(model.NamedParameters(), 0.1)));
            Assert.Equal(manifest.Iteration, state.Iteration);
            Assert.InRange(state.Iteration, target - 1, Iterations);
            log.WriteLine($"kill {k} {delay} ms after {(k % 2 == 1 ? "the save began" : "evaluating")} iteration {target}: loaded iteration {state.Iteration}, leftovers [{string.Join(", ", leftovers)}]");

            var (code, _, err) = CliRunner.Run([.. Flags(dir), "--resume"]);
            Assert.True(code == 0, err);
            Assert.Equal(expected, Hash(Path.Combine(dir, Checkpoint.ModelFile)));
            Assert.Empty(Directory.EnumerateFiles(dir, ".*"));
        }
        log.WriteLine($"{kills} kills, {mid} of them in the middle of a save");
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
