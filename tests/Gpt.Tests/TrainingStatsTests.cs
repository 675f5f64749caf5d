using System.Text.Json.Nodes;
using Scratch.Gpt.Data;
using Scratch.Gpt.Model;
using Scratch.Gpt.Tokenizers;
using Scratch.Gpt.Training;
using Scratch.Nn.Optimizers;
using Scratch.Nn.Schedules;
using Scratch.Tensors;

namespace Scratch.Gpt.Tests;

/// <summary>The training hook: per-parameter gradient norms and update/data ratios, measured without changing the run.</summary>
public sealed class TrainingStatsTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    private TrainOptions Tiny(string outDir, int maxIters, int statsInterval, double dropout = 0) => new()
    {
        Data = cli.Corpus,
        OutDir = Path.Combine(cli.Dir, outDir),
        NLayer = 2,
        NHead = 2,
        NEmbd = 16,
        BlockSize = 8,
        BatchSize = 4,
        EvalIters = 2,
        EvalInterval = 5,
        MaxIters = maxIters,
        WarmupIters = 2,
        LrDecayIters = 20,
        Dropout = dropout,
        Bias = true,
        StatsInterval = statsInterval,
        Metrics = Path.Combine(cli.Dir, outDir + ".jsonl"),
    };

    private static TrainResult Run(TrainOptions options, List<TrainingStats>? seen = null) =>
        new Trainer(options, new Cli.PlainProgress(new StringWriter(), 1)) { OnStats = seen is null ? null : seen.Add }.Run();

    /// <summary>Step 0 rebuilt by hand, the way the trainer takes it: the hook's norms are the direct computation's.</summary>
    [Fact]
    public void TheNormsEqualADirectComputationOfTheFirstStep()
    {
        var options = Tiny("hook", maxIters: 1, statsInterval: 1);
        var seen = new List<TrainingStats>();
        Run(options, seen);
        var stats = Assert.Single(seen);

        string text = File.ReadAllText(options.Data);
        var tokenizer = CharTokenizer.FromText(text);
        var model = new GptModel<float>(options.ModelConfig(tokenizer.VocabSize), new Rng(options.Seed));
        var data = TokenData.FromText(text, tokenizer);
        var (x, y) = data.GetBatch(DataSplit.Train, options.BatchSize, 8, new Rng(options.Seed + 1));
        var named = model.NamedParameters();
        var before = named.Select(p => p.Parameter.Value.ToArray()).ToList();
        var (_, loss) = model.Forward(x, y, options.BatchSize, 8);
        loss.Backward();
        var grads = named.Select(p => p.Parameter.Grad!.ToArray()).ToList();
        double lr = new WarmupCosineSchedule(options.LearningRate, options.MinLr, options.WarmupIters, options.LrDecayIters).At(0);
        var optimizer = new AdamW<float>(ParamGroups.ForWeightDecay(named, options.WeightDecay), lr, options.Beta1, options.Beta2);
        double clipped = GradClipping.ClipGradNorm(model.Parameters(), options.GradClip);
        optimizer.Step();

        Assert.Equal(0, stats.Iteration);
        Assert.Equal(lr, stats.LearningRate);
        Assert.Equal(loss.Value.Item(), stats.Loss);
        Assert.Equal(named.Select(p => p.Name), stats.Parameters.Select(p => p.Name));
        Assert.Equal(clipped, stats.GradNorm, 1e-9);
        Assert.True(stats.GradNorm > options.GradClip, "this step was clipped, so the norms must be the ones from before clipping");
        for (int i = 0; i < named.Count; i++)
        {
            var after = named[i].Parameter.Value.ToArray();
            var p = stats.Parameters[i];
            Assert.Equal(after.Length, p.Count);
            Assert.Equal(Norm(grads[i], null), p.GradNorm, 1e-12);
            Assert.Equal(Norm(before[i], null), p.WeightNorm, 1e-12);
            Assert.Equal(Norm(after, before[i]), p.UpdateNorm, 1e-12);
            Assert.True(p.UpdateNorm > 0, $"{p.Name} moved");
        }
    }

    /// <summary>On and off: the same losses and the same weights, bit for bit (also with dropout, which draws random numbers).</summary>
    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    public void WatchingDoesNotChangeTheRun(double dropout)
    {
        var seen = new List<TrainingStats>();
        Run(Tiny("on", 12, statsInterval: 1, dropout), seen);
        var off = new List<TrainingStats>();
        Run(Tiny("off", 12, statsInterval: 0, dropout), off);

        Assert.Equal(12, seen.Count);
        Assert.Empty(off);
        Assert.Equal(StepLosses("on.jsonl"), StepLosses("off.jsonl"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(cli.Dir, "on", Checkpoint.ModelFile)), File.ReadAllBytes(Path.Combine(cli.Dir, "off", Checkpoint.ModelFile)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(cli.Dir, "on", Checkpoint.OptimizerFile)), File.ReadAllBytes(Path.Combine(cli.Dir, "off", Checkpoint.OptimizerFile)));
        Assert.DoesNotContain(File.ReadAllLines(Path.Combine(cli.Dir, "off.jsonl")), l => l.Contains("grad_norm", StringComparison.Ordinal));
    }

    [Fact]
    public void TheHookRunsEveryStatsIntervalStepsAndResumesOnTheSameSteps()
    {
        var seen = new List<TrainingStats>();
        Run(Tiny("every", 7, statsInterval: 3), seen);
        Run(Tiny("every", 11, statsInterval: 3) with { Resume = true }, seen);
        Assert.Equal([0, 3, 6, 9], seen.Select(s => s.Iteration));
    }

    [Fact]
    public void ScratchTrainLogGradNormsAddsTheFieldsToTheMetricsFile()
    {
        var metrics = Path.Combine(cli.Dir, "m.jsonl");
        cli.Train(Path.Combine(cli.Dir, "out"), "--max-iters", "6", "--log-interval", "2", "--metrics", metrics, "--log-grad-norms", "--bias", "true");
        var lines = File.ReadAllLines(metrics).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(7, lines.Count); // 6 steps and the final evaluation
        var watched = lines.Where(l => l.ContainsKey("grad_norm")).Select(l => (int)l["iter"]!).ToList();
        Assert.Equal([0, 2, 4], watched);

        var line = lines[2];
        var gradKeys = line.Select(kv => kv.Key).Where(k => k.StartsWith("grad_norm/", StringComparison.Ordinal)).ToList();
        Assert.Contains("grad_norm/transformer.wte.weight", gradKeys);
        Assert.Contains("update_ratio/transformer.h.0.attn.c_attn.weight", line.Select(kv => kv.Key));
        double sumOfSquares = gradKeys.Sum(k => Math.Pow((double)line[k]!, 2));
        Assert.Equal((double)line["grad_norm"]!, Math.Sqrt(sumOfSquares), 1e-9); // the global norm is the per-parameter norms together
        Assert.All(line.Where(kv => kv.Key.StartsWith("update_ratio/", StringComparison.Ordinal)), kv => Assert.InRange((double)kv.Value!, 1e-7, 1.0));
        Assert.Null(lines[0]["update_ratio/transformer.h.0.attn.c_attn.bias"]); // a bias starts at 0: ‖Δw‖/‖w‖ is not a number
        Assert.Equal(0.0, (double)lines[0]["weight_norm/transformer.h.0.attn.c_attn.bias"]!);
        // ‖w‖ before step 0 is the norm of the initial weights, drawn from the seed (1337) as the trainer drew them.
        var config = Model.GptConfig.FromJson(File.ReadAllText(Path.Combine(cli.Dir, "out", Checkpoint.ConfigFile)));
        var initial = new Model.GptModel<float>(config, new Scratch.Tensors.Rng(1337)).NamedParameters().Single(p => p.Name == "transformer.wte.weight").Parameter.Value;
        double norm = Math.Sqrt(initial.ToArray().Sum(w => (double)w * w));
        Assert.Equal(norm, (double)lines[0]["weight_norm/transformer.wte.weight"]!, 1e-9);
    }

    [Fact]
    public void LogGradNormsWithoutAMetricsFileIsAnError()
    {
        var (code, _, err) = CliRunner.Run(["train", "--data", cli.Corpus, "--out", Path.Combine(cli.Dir, "x"), .. CliRunner.TinyModel, "--max-iters", "1", "--log-grad-norms"]);
        Assert.Equal(1, code);
        Assert.Contains("--log-grad-norms writes to the metrics file: give --metrics FILE too", err);
    }

    [Fact]
    public void ByBlockJoinsEachBlocksParametersIntoOneVector()
    {
        var stats = new TrainingStats(0, 1e-3, 4.0, 5.0,
        [
            new ParameterStats("transformer.wte.weight", 10, 3, 4, 0.5),
            new ParameterStats("transformer.h.0.ln_1.weight", 4, 2, 0, 0),
            new ParameterStats("transformer.h.0.attn.c_attn.weight", 12, 0, 3, 4),
            new ParameterStats("transformer.h.1.mlp.c_fc.weight", 8, 1, 1, 1),
            new ParameterStats("transformer.ln_f.weight", 4, 2, 0, 0),
        ]);
        var blocks = stats.ByBlock();
        Assert.Equal(["transformer.wte", "transformer.h.0", "transformer.h.1", "transformer.ln_f"], blocks.Select(b => b.Name));
        Assert.Equal(new ParameterStats("transformer.h.0", 16, 2, 3, 4), blocks[1]);
        Assert.Equal(2.0, blocks[1].UpdateRatio);
        Assert.Equal("transformer.h.12", TrainingStats.BlockOf("transformer.h.12.mlp.c_proj.bias"));
        Assert.Equal("wte", TrainingStats.BlockOf("wte.weight")); // GPT-2's own names, without "transformer."
    }

    private static double Norm(float[] a, float[]? b) => Math.Sqrt(a.Select((v, i) => Math.Pow(v - (b?[i] ?? 0.0), 2)).Sum());

    private List<(int Iter, double Loss)> StepLosses(string file) =>
        File.ReadAllLines(Path.Combine(cli.Dir, file)).Select(l => JsonNode.Parse(l)!.AsObject()).Where(o => o.ContainsKey("loss"))
            .Select(o => ((int)o["iter"]!, (double)o["loss"]!)).ToList();
}
