#!/usr/bin/env dotnet
// Lesson 18 — Training the baby GPT
//
// Training is one loop, nanoGPT's train.py: draw B random windows of T characters from the training text,
// run the model, measure how surprised it was by each next character, and move every weight a little
// against its gradient.
//
//     loss = −(1/BT) Σ_b Σ_t ln p(x_{b,t+1} | x_{b,≤t})          cross-entropy, in nats per character
//     g = ∂loss/∂w;  g ← g · min(1, 1/‖g‖)                        backward; clip the global norm to 1
//     w ← AdamW(w, g, η(it))                                      η: linear warmup, then cosine decay
//
// Before any step the model guesses uniformly, loss = ln V = ln 65 ≈ 4.17. The loss on text it never trains
// on (the last 10% of the corpus, "val") tells whether it learns the language or memorises the batches.
//
// Two numbers per layer say whether each part of the model learns at a healthy pace (Karpathy, makemore 3):
//
//     ‖g_p‖ = √(Σ g²)                   the gradient's length for parameter p (before clipping)
//     ‖Δw_p‖ / ‖w_p‖                    the update/data ratio: how far one step moves p, relative to its size
//                                       (a rule of thumb: about 10⁻³; far less learns slowly, far more is unstable)
//
// Library files to read beside it: Gpt/Training/Trainer.cs (the loop), Gpt/Training/TrainingWatch.cs and
// TrainingStats.cs (the two numbers, through Trainer.OnStats), Nn/Optimizers/AdamW.cs, Nn/Optimizers/GradClipping.cs,
// Nn/Schedules/WarmupCosineSchedule.cs, Gpt/Sampling/Generator.cs and KvCache.cs (the samples).
//
// This lesson writes the trained model that the other GPT lessons read: notebooks/out/baby-gpt/ (baby-gpt-quick/ with
// --quick), through notebooks/shared/BabyGpt.cs.
//
// Run:  dotnet run notebooks/18-training-gpt.cs            (add --quick for the short version the tests run)
#:project ../Gpt/Scratch.Gpt.csproj
#:property PublishAot=false
#:include shared/Lesson.cs
#:include shared/BabyGpt.cs
using System.Text.RegularExpressions;
using Scratch.Gpt.Checkpoints;
using Scratch.Gpt.Data;
using Scratch.Gpt.Model;
using Scratch.Gpt.Plots;
using Scratch.Gpt.Sampling;
using Scratch.Gpt.Tokenizers;
using Scratch.Gpt.Training;
using Scratch.Lessons;
using Scratch.Tensors;
using static Scratch.Lessons.Lesson;

Start(args, "18", "training the baby GPT");

// ---------------------------------------------------------------------------------------------------------
Section("1. The run");
var options = BabyGpt.Options();
var (untrained, chars) = BabyGpt.Untrained();
var config = untrained.Config;
int statsInterval = Quick ? 10 : 25;
int[] pauses = Quick ? [100] : [250, 750];
Say($"The model: {config.NLayer} blocks, {config.NHead} heads, {config.NEmbd} channels, a context of {config.BlockSize} characters, "
    + $"{config.VocabSize} characters in the vocabulary: {untrained.ParameterCount():N0} parameters. Each step reads B = {options.BatchSize} "
    + $"windows of T = {config.BlockSize} characters, {options.BatchSize * config.BlockSize} next-character predictions. {options.MaxIters} steps; "
    + $"η rises to {G(options.LearningRate)} over {options.WarmupIters} steps and decays to {G(options.MinLr)} by step {options.LrDecayIters}.");
Say($"The run stops after {string.Join(" and ", pauses)} steps to sample from the checkpoint it saves there, and resumes from it "
    + "(a resumed run takes exactly the steps an uninterrupted one would: Gpt.Tests checks that bit for bit). "
    + $"Every {statsInterval} steps Trainer.OnStats hands over the gradient norms and update/data ratios.");

string corpusText = File.ReadAllText(BabyGpt.Corpus);
var corpusWords = Regex.Matches(corpusText.ToLowerInvariant(), "[a-z']+").Select(m => m.Value).ToHashSet();
var corpusPairs = Enumerable.Range(0, corpusText.Length - 1).Select(i => corpusText.Substring(i, 2)).ToHashSet(); // every two-character sequence it has
var samples = new List<(int Iteration, string[] Texts, double PairShare, int Words, int RealWords)>();
void SampleFrom(int iteration, GptModel<float> model, ITokenizer tokenizer)
{
    // 16 samples of one context window each (so the KV cache serves every step), from the model's own distribution
    // (temperature 1, no filters), with seeds 1…16 at every checkpoint.
    var texts = Enumerable.Range(1, 16).Select(seed => tokenizer.Decode(
        Generator.Generate(new KvCache<float>(model), tokenizer.Encode("\n"), model.Config.BlockSize - 1, new SamplingOptions(1.0), new Rng((ulong)seed))
            .Select(t => t.Id).ToList())).ToArray();
    var words = texts.SelectMany(t => Regex.Matches(t.ToLowerInvariant(), "[a-z']{2,}").Select(m => m.Value)).ToList(); // runs of 2+ letters
    var pairs = texts.SelectMany(t => Enumerable.Range(0, t.Length - 1).Select(i => t.Substring(i, 2))).ToList();
    samples.Add((iteration, texts, (double)pairs.Count(corpusPairs.Contains) / pairs.Count, words.Count, words.Count(corpusWords.Contains)));
}

var steps = new List<(int Iteration, double Loss)>();
var evals = new List<EvalPoint>();
var stats = new List<TrainingStats>();
var wteAtPause = new Dictionary<int, double>(); // ‖wte‖ of the checkpoint saved at each pause, computed here from the file
string metricsFile = Path.Combine(OutDir, "metrics.jsonl");
Directory.CreateDirectory(OutDir);
SampleFrom(0, untrained, chars);
var result = BabyGpt.Train(new BabyGpt.Watchers
{
    OnStep = (it, loss) => steps.Add((it, loss)),
    OnEval = evals.Add,
    OnStats = stats.Add,
    StatsInterval = statsInterval,
    Pauses = pauses,
    Metrics = metricsFile,
    OnPause = it =>
    {
        var (model, tokenizer) = CheckpointLoader.Load(BabyGpt.Dir);
        wteAtPause[it] = Math.Sqrt(model.TokenEmbedding.Value.ToArray().Sum(w => (double)w * w));
        SampleFrom(it, model, tokenizer);
    },
});
var (trained, _) = CheckpointLoader.Load(BabyGpt.Dir);
SampleFrom(result.Iteration, trained, chars);
Say($"Trained {result.Iteration} steps into {Path.GetRelativePath(Root, BabyGpt.Dir)}.");
Check(result.Iteration == options.MaxIters && steps.Count == options.MaxIters && BabyGpt.Exists,
    $"the run took all {options.MaxIters} steps and left the finished checkpoint for the other lessons");

// ---------------------------------------------------------------------------------------------------------
Section("2. The loss curve");
double lnV = Math.Log(config.VocabSize);
var first = evals[0];
var last = evals[^1];
Table(["step", "train loss", "val loss", "val − train"], evals.Select(e => (IReadOnlyList<object>)[e.Iteration, e.TrainLoss, e.ValLoss, e.ValLoss - e.TrainLoss]));
Say($"Before the first step the model has not seen a character: its loss {G(first.ValLoss)} is ln {config.VocabSize} = {G(lnV)}, a uniform guess. "
    + $"After {last.Iteration} steps it is {G(last.ValLoss)} nats per character on text it never trained on, e^{G(last.ValLoss)} ≈ "
    + $"{Math.Exp(last.ValLoss):F1} equally likely characters instead of {config.VocabSize}.");
Close(first.ValLoss, lnV, 0.02, "the untrained model's val loss is ln V (it guesses uniformly)");
var (untrainedAgain, _) = BabyGpt.Untrained();
var evalRng = new Rng(options.Seed + 2); // as the trainer draws its evaluation windows: the train split's first, then val's
var corpusData = TokenData.FromText(corpusText, chars);
LossEstimator.Estimate(untrainedAgain, corpusData, DataSplit.Train, options.EvalIters, options.BatchSize, evalRng);
double untrainedVal = LossEstimator.Estimate(untrainedAgain, corpusData, DataSplit.Val, options.EvalIters, options.BatchSize, evalRng);
Close(untrainedVal, first.ValLoss, 1e-12, "the model the samples at step 0 come from is the trainer's step-0 model (the same val loss, same windows)");
Check(last.ValLoss < (Quick ? 2.6 : 2.0), $"the val loss fell to {G(last.ValLoss)} (from {G(first.ValLoss)})");
double drop = first.ValLoss - last.ValLoss, gap = last.ValLoss - last.TrainLoss;
Check(gap < 0.1 * drop,
    $"val − train is {G(gap)} at the end, small next to the {G(drop)} the val loss fell: the model has learned the language more than it has memorised its batches");
Say($"The gap was {G(first.ValLoss - first.TrainLoss)} before the first step. A gap that keeps growing is the start of memorising: "
    + "the model then fits the text it trains on better than text it has never seen (lesson 21 pushes that to the end with n-grams).");

// Smooth the per-step losses (each from one batch of B·T characters) with a moving average of 20 steps.
var stepX = steps.Select(s => (double)s.Iteration).ToArray();
var stepLoss = steps.Select(s => s.Loss).ToArray();
var smooth = stepLoss.Select((_, i) => stepLoss[Math.Max(0, i - 19)..(i + 1)].Average()).ToArray();
var lossChart = new Chart($"training the baby GPT: {untrained.ParameterCount():N0} parameters, {options.MaxIters} steps", "step", "loss (nats per character)")
    { YRange = (Math.Floor(last.TrainLoss * 2 - 1) / 2, Math.Ceiling(lnV * 2) / 2), Legend = Corner.BottomLeft };
lossChart.Line("loss of each step's batch", stepX, stepLoss, colour: "#9ecae1", width: 1);
lossChart.Line("its average over 20 steps", stepX, smooth, colour: Colours.Series[0], width: 1.5);
lossChart.Line("train loss (estimate)", evals.Select(e => (double)e.Iteration).ToArray(), evals.Select(e => e.TrainLoss).ToArray(), colour: "black", markers: true);
lossChart.Line("val loss (estimate)", evals.Select(e => (double)e.Iteration).ToArray(), evals.Select(e => e.ValLoss).ToArray(), colour: Colours.Series[3], markers: true);
lossChart.HLine(lnV, $"ln {config.VocabSize} = {lnV:F2}: a uniform guess");
Picture("loss.svg", lossChart.ToSvg());

// ---------------------------------------------------------------------------------------------------------
Section("3. Samples on the way: from gibberish to words");
Say($"At each checkpoint the model writes 16 samples of {config.BlockSize - 1} characters, one at a time from its own distribution "
    + "(temperature 1), each starting from a newline, with the same 16 seeds every time. Three of them (⏎ is a line break):");
double Share((int, string[], double, int Words, int Real) s) => s.Words == 0 ? 0 : (double)s.Real / s.Words;
foreach (var sample in samples)
{
    Console.WriteLine($"  after {sample.Iteration} steps:");
    foreach (string text in sample.Texts.Take(3))
    {
        Console.WriteLine($"    {text.Replace("\n", "⏎")}");
    }
}
Console.WriteLine();
Say("Two measures over all 16: how many of their two-character sequences occur anywhere in Shakespeare (spelling at the smallest "
    + "scale), and how many of their runs of two or more letters are words of the corpus:");
Table(["after step", "val loss before", "pairs seen in the corpus", "letter runs", "real words", "share"], samples.Select(s => (IReadOnlyList<object>)[
    s.Iteration, evals.Where(e => e.Iteration <= s.Iteration).MaxBy(e => e.Iteration)!.ValLoss, $"{100 * s.PairShare:F0}%", s.Words, s.RealWords, $"{100 * Share(s):F0}%"]));
Check(samples[^1].PairShare > samples[0].PairShare + 0.3,
    $"two-character sequences seen in the corpus rise from {100 * samples[0].PairShare:F0}% at step 0 to {100 * samples[^1].PairShare:F0}% at step {samples[^1].Iteration}");
Check(Share(samples[^1]) > Share(samples[0]) + (Quick ? 0.05 : 0.3),
    $"real words rise from {100 * Share(samples[0]):F0}% of the letter runs at step 0 to {100 * Share(samples[^1]):F0}% at step {samples[^1].Iteration}");
Say(Quick
    ? "In quick mode the model is small and trains briefly: its samples have plausible letter pairs, spaces and line breaks, and few words."
    : "By the end the samples have names followed by a colon, line breaks, many real words and some spelling; the sentences mean nothing yet.");

// ---------------------------------------------------------------------------------------------------------
Section("4. Watching the gradients, layer by layer");
Say("TrainingWatch reads each parameter's gradient after loss.Backward() (before clipping), copies its weights, and after the "
    + "optimiser's step measures how far they moved. Here each block's parameters are taken together (TrainingStats.ByBlock).");
var blocks = stats[0].ByBlock().Select(b => b.Name).ToList();
string Short(string name) => name.Replace("transformer.", "");
double[] statX = stats.Select(s => (double)s.Iteration).ToArray();
double smallest = stats.Min(s => s.ByBlock().Min(b => b.GradNorm));
var gradChart = new Chart("gradient norm ‖g‖ per block, before clipping", "step", "‖g‖")
    { LogY = true, Width = 560, Height = 500, Legend = Corner.TopRight, YRange = (Math.Pow(10, Math.Floor(Math.Log10(smallest))), 1000) };
double smallestRatio = stats.Min(s => s.ByBlock().Min(b => b.UpdateRatio));
var ratioChart = new Chart("update/data ratio ‖Δw‖ / ‖w‖ per block", "step", "‖Δw‖ / ‖w‖")
    { LogY = true, Width = 560, Height = 500, Legend = Corner.BottomRight, YRange = (Math.Pow(10, Math.Floor(Math.Log10(smallestRatio)) - 2), 0.1) };
for (int b = 0; b < blocks.Count; b++)
{
    gradChart.Line(Short(blocks[b]), statX, stats.Select(s => s.ByBlock()[b].GradNorm).ToArray(), colour: Colours.Series[b], width: 1.5);
    ratioChart.Line(Short(blocks[b]), statX, stats.Select(s => s.ByBlock()[b].UpdateRatio).ToArray(), colour: Colours.Series[b], width: 1.5);
}
gradChart.Line("all (global norm)", statX, stats.Select(s => s.GradNorm).ToArray(), colour: "black", width: 2, dashed: true);
gradChart.Line($"the clipping threshold, {G(options.GradClip)}", [0, options.MaxIters], [options.GradClip, options.GradClip], colour: "#888888", width: 1, dashed: true);
ratioChart.Line("10⁻³, the rule of thumb", [0, options.MaxIters], [1e-3, 1e-3], colour: "#888888", width: 1, dashed: true);
Picture("gradients.svg", Figure.Grid([gradChart.ToSvg(), ratioChart.ToSvg()], 2));

var end = stats[^1];
Say($"At step {end.Iteration}, parameter by parameter:");
Table(["parameter", "numbers", "‖w‖", "‖g‖", "‖Δw‖ / ‖w‖", "log₁₀"],
    end.Parameters.Select(p => (IReadOnlyList<object>)[Short(p.Name), p.Count, p.WeightNorm, p.GradNorm, p.UpdateRatio, Math.Log10(p.UpdateRatio)]));

double blockSquares = end.ByBlock().Sum(b => b.GradNorm * b.GradNorm);
Close(Math.Sqrt(blockSquares), end.GradNorm, 1e-12, "the blocks' gradient norms make the global one: √(Σ ‖g_block‖²) = ‖g‖");
foreach (var (it, norm) in wteAtPause.Where(p => p.Key % statsInterval == 0))
{
    Close(stats.Single(s => s.Iteration == it).Parameters[0].WeightNorm, norm, 1e-12,
        $"‖wte‖ the hook saw before step {it} is the norm of the checkpoint saved after {it} steps");
}
int clipped = stats.Count(s => s.GradNorm > options.GradClip);
Check(stats[0].GradNorm > options.GradClip && stats[^1].GradNorm < stats[0].GradNorm,
    $"the global gradient norm starts at {G(stats[0].GradNorm)} (clipped to {G(options.GradClip)}) and ends at {G(end.GradNorm)}; "
    + $"{clipped} of the {stats.Count} watched steps were clipped");
var matrices = end.Parameters.Where(p => p.Name.EndsWith("attn.c_attn.weight") || p.Name.EndsWith("mlp.c_fc.weight")).ToList();
var gains = end.Parameters.Where(p => p.Name.Contains(".ln_")).ToList();
double matrixRatio = matrices.Average(p => Math.Log10(p.UpdateRatio)), gainRatio = gains.Average(p => Math.Log10(p.UpdateRatio));
Check(gainRatio < matrixRatio - 1,
    $"LayerNorm gains (‖w‖ = √C at the start) move far less per step than the big matrices: log₁₀ ratio {gainRatio:F2} against {matrixRatio:F2}");
var peak = stats.Where(s => s.LearningRate == stats.Max(t => t.LearningRate)).First();
double peakRatio = peak.Parameters.Where(p => matrices.Any(m => m.Name == p.Name)).Average(p => Math.Log10(p.UpdateRatio));
Check(matrixRatio < peakRatio,
    $"the matrices' steps shrink with the learning rate: log₁₀ ratio {peakRatio:F2} at step {peak.Iteration} (η = {G(peak.LearningRate)}), {matrixRatio:F2} at step {end.Iteration} (η = {G(end.LearningRate)})");
var afterWarmup = stats.Where(s => s.Iteration >= options.WarmupIters).Select(s => s.GradNorm).ToList();
Say($"Adam divides each gradient by its own running size, so the length of a step follows η, not ‖g‖: after the first {options.WarmupIters} "
    + $"steps the global gradient norm wandered between {G(afterWarmup.Min())} and {G(afterWarmup.Max())}, while the update/data ratio "
    + $"followed the learning-rate schedule down. For the same reason clipping changes little here, though it was active on {clipped} of the "
    + $"{stats.Count} watched steps: Adam mostly undoes a rescaling of all the gradients by one factor. The 10⁻³ rule of thumb comes from SGD on an MLP; this short run sits above it "
    + "at its peak learning rate and comes down as η decays.");

var metricsLine = File.ReadLines(metricsFile).First(l => l.StartsWith($"{{\"iter\":{end.Iteration},", StringComparison.Ordinal));
var metrics = System.Text.Json.Nodes.JsonNode.Parse(metricsLine)!;
Check((double)metrics["grad_norm"]! == end.GradNorm && (double)metrics[$"update_ratio/{end.Parameters[^1].Name}"]! == end.Parameters[^1].UpdateRatio,
    $"scratch train --log-grad-norms would log the same numbers: the trainer's metrics file has grad_norm {G(end.GradNorm)} at step {end.Iteration}");

return Finish();
