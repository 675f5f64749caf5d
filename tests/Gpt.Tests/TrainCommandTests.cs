using System.Globalization;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Scratch.Gpt.Cli;
using Scratch.Gpt.Training;

namespace Scratch.Gpt.Tests;

/// <summary><c>scratch train</c> through the command-line entry point: output, checkpoint files, metrics and exact resume.</summary>
public sealed class TrainCommandTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    /// <summary>
    /// The command line's defaults are the README's main job (3,600 steps at 2e-3, decaying to the end), which beats the
    /// n-gram baseline; the library's defaults stay nanoGPT's baby schedule (2,000 steps at 1e-3), which does not.
    /// </summary>
    [Fact]
    public void TrainDefaultsAreTheMainJobAndTheLibraryKeepsNanoGptsBabySchedule()
    {
        string help = CliRunner.Run("train", "--help").Out;
        Assert.Matches(@"--max-iters[^\n]*\[default: 3600\]", help);
        Assert.Matches(@"--learning-rate[^\n]*\[default: 0\.002\]", help);
        Assert.Matches(@"--lr-decay-iters[^\n]*\[default: 3600\]", help);
        Assert.Matches(@"--preset[^\n]*\[default: baby\]", help);
        var library = new TrainOptions { Data = "" };
        Assert.Equal((2000, 1e-3, 2000), (library.MaxIters, library.LearningRate, library.LrDecayIters));
        Assert.Equal(library with { MaxIters = 3600, LearningRate = 2e-3, LrDecayIters = 3600 }, TrainOptions.MainJob);
    }

    [Fact]
    public void TrainPrintsNanoGptStyleEvalLinesAndWritesEveryCheckpointFile()
    {
        var outDir = Path.Combine(cli.Dir, "out");
        var output = cli.Train(outDir, "--max-iters", "20", "--eval-interval", "10", "--metrics", Path.Combine(cli.Dir, "m.jsonl"));

        var steps = output.Split('\n').Where(l => l.StartsWith("step ", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, steps.Count); // iterations 0, 10 and the end, 20
        Assert.Matches(@"^step 20: train loss \d\.\d{4}, val loss \d\.\d{4}$", steps[2].TrimEnd());
        Assert.Contains("iter 0: loss ", output);
        foreach (var file in new[] { Checkpoint.ModelFile, Checkpoint.ConfigFile, Checkpoint.TokenizerFile, Checkpoint.OptimizerFile, Checkpoint.StateFile, Checkpoint.ChartFile })
        {
            Assert.True(File.Exists(Path.Combine(outDir, file)), file);
        }
        Assert.Empty(Directory.GetFiles(outDir, "*.tmp", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(outDir, ".*"));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, Checkpoint.ConfigFile)))!.AsObject();
        Assert.Equal(["block_size", "vocab_size", "n_layer", "n_head", "n_embd", "dropout", "bias"], config.Select(kv => kv.Key));
        var state = TrainState.FromJson(File.ReadAllText(Path.Combine(outDir, Checkpoint.StateFile)));
        Assert.Equal(20, state.Iteration);
        Assert.Equal([0, 10, 20], state.Evals.Select(e => e.Iteration));
        Assert.Equal(state.Evals.Min(e => e.ValLoss), state.BestValLoss);

        var svg = XDocument.Parse(File.ReadAllText(Path.Combine(outDir, Checkpoint.ChartFile)));
        // every step's loss, the same smoothed, the train and val evaluations
        Assert.Equal([20, 20, 3, 3], svg.Descendants().Where(e => e.Name.LocalName == "polyline").Select(p => p.Attribute("points")!.Value.Split(' ').Length));
        Assert.Contains(svg.Descendants(), e => e.Name.LocalName == "text" && e.Value == "iteration");

        var lines = File.ReadAllLines(Path.Combine(cli.Dir, "m.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        // The state keeps every step's loss (for loss.svg and report.html): the metrics file's, as the float32 it was.
        Assert.Equal(lines.Take(20).Select(l => (float)(double)l["loss"]!), state.StepLosses!.Select(l => (float)l));
        Assert.Equal([0, 10, 20], state.Samples!.Select(s => s.Iteration));
        Assert.All(state.Samples!, s => Assert.StartsWith("\n", s.Text));
        Assert.Equal(21, lines.Count); // 20 steps and the final evaluation
        Assert.All(lines.Take(20), l => Assert.True(l.ContainsKey("loss") && l.ContainsKey("lr") && l.ContainsKey("ms")));
        Assert.Equal(Enumerable.Range(0, 21), lines.Select(l => (int)l["iter"]!));
        Assert.True(lines[10].ContainsKey("val_loss") && lines[20].ContainsKey("train_loss") && !lines[5].ContainsKey("val_loss"));
        Assert.True((double)lines[0]["loss"]! > (double)lines[19]["loss"]!, "the loss fell");
    }

    [Fact]
    public void ThenEvalPrintsTheLossOfTheCheckpoint()
    {
        var outDir = Path.Combine(cli.Dir, "out");
        cli.Train(outDir, "--max-iters", "5", "--eval-interval", "5");
        var (code, output, err) = CliRunner.Run("eval", "--ckpt", outDir, "--data", cli.Corpus);
        Assert.Equal(0, code);
        Assert.Equal("", err);
        Assert.Matches(@"^val loss: \d\.\d{5}$", output.Trim());
        (code, output, _) = CliRunner.Run("eval", "--ckpt", outDir, "--data", cli.Corpus, "--split", "train", "--all");
        Assert.Equal(0, code);
        Assert.Matches(@"^train loss: \d\.\d{5}$", output.Trim());
    }

    /// <summary>Train N steps, stop, resume for M more: the same per-step losses (bit for bit) as N + M at once.</summary>
    [Theory]
    [InlineData(10, 7, "0")]
    [InlineData(6, 5, "0.1")] // with dropout the model's generator state matters too
    public void ResumingContinuesExactlyAsAnUninterruptedRun(int n, int m, string dropout)
    {
        string[] common = ["--eval-interval", "4", "--dropout", dropout, "--warmup-iters", "3", "--lr-decay-iters", "12"];
        var whole = Path.Combine(cli.Dir, "whole");
        cli.Train(whole, [.. common, "--max-iters", (n + m).ToString(CultureInfo.InvariantCulture), "--metrics", Path.Combine(cli.Dir, "whole.jsonl")]);
        var parts = Path.Combine(cli.Dir, "parts");
        cli.Train(parts, [.. common, "--max-iters", n.ToString(CultureInfo.InvariantCulture), "--metrics", Path.Combine(cli.Dir, "parts.jsonl")]);
        var resumed = cli.Train(parts, [.. common, "--max-iters", (n + m).ToString(CultureInfo.InvariantCulture), "--metrics", Path.Combine(cli.Dir, "parts.jsonl"), "--resume"]);
        Assert.Contains($"resuming from {parts} at iteration {n}", resumed);

        Assert.Equal(StepLosses(Path.Combine(cli.Dir, "whole.jsonl")), StepLosses(Path.Combine(cli.Dir, "parts.jsonl")));
        Assert.Equal(n + m, StepLosses(Path.Combine(cli.Dir, "parts.jsonl")).Count);
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, Checkpoint.ModelFile)), File.ReadAllBytes(Path.Combine(parts, Checkpoint.ModelFile)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, Checkpoint.OptimizerFile)), File.ReadAllBytes(Path.Combine(parts, Checkpoint.OptimizerFile)));
    }

    /// <summary>Ctrl-C's path: the trainer is asked to stop after step k, saves, and a resume reaches the same weights.</summary>
    [Fact]
    public void StoppingEarlySavesACheckpointThatResumesExactly()
    {
        var options = new TrainOptions
        {
            Data = cli.Corpus,
            OutDir = Path.Combine(cli.Dir, "stopped"),
            NLayer = 1,
            NHead = 2,
            NEmbd = 32,
            BlockSize = 16,
            BatchSize = 4,
            EvalIters = 2,
            EvalInterval = 100,
            MaxIters = 9,
        };
        var log = new StringWriter();
        var stopped = new Trainer(options, new PlainProgress(log, 1)) { StopRequested = steps => steps == 4 }.Run();
        Assert.True(stopped.Interrupted);
        Assert.Equal(4, stopped.Iteration);
        Assert.Contains("interrupted after 4 iterations", log.ToString());
        Assert.Equal(4, TrainState.FromJson(File.ReadAllText(Path.Combine(options.OutDir, Checkpoint.StateFile))).Iteration);

        var finished = new Trainer(options with { Resume = true }, new PlainProgress(log, 1)).Run();
        Assert.False(finished.Interrupted);
        var whole = new Trainer(options with { OutDir = Path.Combine(cli.Dir, "whole") }, new PlainProgress(new StringWriter(), 1)).Run();
        Assert.Equal(9, finished.Iteration);
        Assert.Equal(File.ReadAllBytes(Path.Combine(cli.Dir, "whole", Checkpoint.ModelFile)), File.ReadAllBytes(Path.Combine(options.OutDir, Checkpoint.ModelFile)));
        Assert.Equal(whole.Evals[^1], finished.Evals[^1]);
    }

    [Fact]
    public void BpeTokenizerTrainsAndIsSavedWithTheCheckpoint()
    {
        var outDir = Path.Combine(cli.Dir, "bpe");
        cli.Train(outDir, "--max-iters", "2", "--tokenizer", "bpe", "--vocab-size", "300");
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, Checkpoint.ConfigFile)))!;
        Assert.Equal(300, (int)config["vocab_size"]!);
        Assert.Equal("bpe", (string)JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, Checkpoint.TokenizerFile)))!["type"]!);
    }

    private static List<(int Iter, double Loss)> StepLosses(string metrics) =>
        File.ReadAllLines(metrics).Select(l => JsonNode.Parse(l)!.AsObject()).Where(o => o.ContainsKey("loss"))
            .Select(o => ((int)o["iter"]!, (double)o["loss"]!)).ToList();
}
