#!/usr/bin/env dotnet
// Lesson 22 — Scale
//
// GPT-3 is the baby GPT of these lessons made wide and deep: the same blocks, the same kinds of matrix. Its
// configuration (96 blocks, 96 heads, width C = 12,288, GPT-2's 50,257 tokens, 2,048 positions) fixes every
// count. Letters: V vocab, N context, L blocks, H heads, C width.
//
//     token embedding            V · C          (the unembedding reuses it: tied, counted once)
//     position embedding         N · C
//     per block: W_q, W_k, W_v   3 · C²         (each split into H heads of C/H columns)
//                W_o             C²
//                MLP up, down    4C² + 4C²
//     total ≈ 12 · L · C² + V·C + N·C   (+ 13·L·C + 2C biases and layer norms with bias=True)
//
// Memory is parameters × bytes per number: 4 (float32), 2 (float16), 1 (int8), ½ (int4). Compute per token:
// a matrix of n numbers does n multiply-adds per token, 2n floating-point operations, so the forward pass costs
// ≈ 2·N_params FLOPs, plus attention's own products (scores q·k and the weighted sum of v, which grow with the
// context); training costs ≈ 3× the forward (the backward computes gradients for inputs and for weights), ≈ 6·N.
//
// Library files to read beside it: Gpt/Inspection/ParameterTable.cs (the count by kind, from the configuration
// alone), Gpt/Inspection/ParameterRow.cs, Gpt/Cli/ParamsCommand.cs (`scratch params`), Gpt/Model/GptConfig.cs
// (the presets), Gpt/Model/GptModel.cs (the real model whose ParameterCount() the table must equal).
//
// It needs no trained model: the baby GPT's shape comes from lesson 18's options, and nothing the size of GPT-2
// or GPT-3 is ever allocated.
//
// Run:  dotnet run notebooks/22-scale.cs            (add --quick for the short version the tests run)
#:project ../Gpt/Scratch.Gpt.csproj
#:property PublishAot=false
#:include shared/Lesson.cs
#:include shared/BabyGpt.cs
using System.Diagnostics;
using Scratch.Autograd;
using Scratch.Gpt.Cli;
using Scratch.Gpt.Inspection;
using Scratch.Gpt.Model;
using Scratch.Gpt.Plots;
using Scratch.Gpt.Tokenizers;
using Scratch.Lessons;
using Scratch.Tensors;
using static Scratch.Lessons.Lesson;

Start(args, "22", "scale");
var gpt3 = ParameterTable.Preset("gpt3-175b");
var gpt2 = ParameterTable.Preset("gpt2");
var babyOptions = BabyGpt.Options();
var baby = babyOptions.ModelConfig(CharTokenizer.FromText(File.ReadAllText(BabyGpt.Corpus)).VocabSize);
(string Name, GptConfig Config)[] models = [($"baby GPT{(Quick ? " (quick)" : "")}", baby), ("GPT-2 small", gpt2), ("GPT-3 175B", gpt3)];

// ---------------------------------------------------------------------------------------------------------
Section("1. GPT-3, counted from its configuration");
var table3 = ParameterTable.FromConfig(gpt3);
long V = gpt3.VocabSize, N = gpt3.BlockSize, L = gpt3.NLayer, H = gpt3.NHead, C = gpt3.NEmbd;
Say($"GPT-3 175B: n_layer L = {L}, n_head H = {H}, n_embd C = {C:N0}, vocab_size V = {V:N0}, block_size N = {N:N0}, with biases. "
    + "Gpt/Inspection/ParameterTable.cs counts each kind of parameter from these five numbers, without allocating anything:");
Table(["kind", "matrices", "shape of one", "parameters", "share"],
    table3.Rows.Select(r => (IReadOnlyList<object>)[r.Kind == "unembedding" ? "unembedding (tied to wte)" : r.Kind, r.Matrices, r.Shape, r.Count.ToString("N0"), $"{100.0 * r.Count / table3.Total:F2} %"])
        .Append(["total", table3.Matrices, "", table3.Total.ToString("N0"), "100.00 %"]));
long embedding = table3.Rows.Single(r => r.Kind == "token embedding").Count;
Check(embedding == V * C, $"the token embedding is V × C = {V:N0} × {C:N0} = {embedding:N0} numbers");
long formula = V * C + N * C + 12 * L * C * C + 9 * L * C + (2 * L + 1) * 2 * C;
Check(table3.Total == formula, $"the rows add up to {table3.Total:N0} = V·C + N·C + 12·L·C² + 9·L·C (Linear biases) + (2L + 1)·2C (layer norms) = {formula:N0}");
Check(table3.Matrices == 2 + L * (3 * H + 3), $"matrices: 2 embeddings + L·(3H + 3) per block (H queries, H keys, H values, W_o, up, down) = {table3.Matrices:N0}");
double blockShare = 12.0 * L * C * C / table3.Total;
Check(blockShare > 0.99, $"12·L·C² alone is {blockShare:P2} of the total: at this width the blocks' matrices are nearly everything");
Check(Math.Round(table3.Total / 1e9) == 175, $"counted: {table3.Total / 1e9:F2} billion, which is the paper's \"175B\" to the nearest billion");
// The same table, printed by the `scratch params` command itself: its total must be the same number.
var cliOutput = new StringWriter();
int exit = ScratchCli.Run(["params", "--preset", "gpt3-175b"], cliOutput, new StringWriter());
Check(exit == 0 && cliOutput.ToString().Contains(table3.Total.ToString("N0"), StringComparison.Ordinal),
    $"`scratch params --preset gpt3-175b` (Gpt/Cli/ParamsCommand.cs) prints the same total, {table3.Total:N0}");
long untied = table3.Total + V * C;
Say($"Tied or not? GPT-2 uses one matrix for the embedding and the unembedding (lesson 17). GPT-3's paper does not say either way; "
    + "it says GPT-3 uses \"the same model and architecture as GPT-2\" apart from its sparse attention layers, which add no parameters. "
    + $"`scratch params` assumes the head is tied, as in GPT-2: {table3.Total:N0}. An untied head would add another V·C = {V * C:N0}: "
    + $"{untied:N0}. Both are \"175B\" to the nearest billion ({table3.Total / 1e9:F2} and {untied / 1e9:F2}), so the headline "
    + "number cannot tell the two apart.");

// ---------------------------------------------------------------------------------------------------------
Section("2. GPT-2 small and the baby GPT beside it");
var tables = models.Select(m => ParameterTable.FromConfig(m.Config)).ToArray();
Table(["", .. models.Select(m => m.Name)],
[
    ["n_layer L", .. models.Select(m => (object)m.Config.NLayer)],
    ["n_head H", .. models.Select(m => (object)m.Config.NHead)],
    ["n_embd C", .. models.Select(m => (object)m.Config.NEmbd)],
    ["vocab_size V", .. models.Select(m => (object)m.Config.VocabSize)],
    ["block_size N", .. models.Select(m => (object)m.Config.BlockSize)],
    .. table3.Rows.Where(r => r.Kind != "unembedding").Select((r, k) => (IReadOnlyList<object>)[r.Kind, .. tables.Select(t => (object)t.Rows[k].Count.ToString("N0"))]),
    ["total", .. tables.Select(t => (object)t.Total.ToString("N0"))],
    ["matrices", .. tables.Select(t => (object)t.Matrices.ToString("N0"))],
]);
foreach (var (model, table) in models.Zip(tables))
{
    var c = model.Config;
    long expected = (long)c.VocabSize * c.NEmbd + (long)c.BlockSize * c.NEmbd + 12L * c.NLayer * c.NEmbd * c.NEmbd
        + (c.Bias ? 13L * c.NLayer * c.NEmbd + 2L * c.NEmbd : 2L * c.NLayer * c.NEmbd + c.NEmbd);
    Check(table.Total == expected, $"{model.Name}: the table's {table.Total:N0} = V·C + N·C + 12·L·C² + {(c.Bias ? "13·L·C + 2C" : "2·L·C + C")} = {expected:N0}");
}
Check(Math.Round(tables[1].Total / 1e6) == 124, $"GPT-2 small has {tables[1].Total / 1e6:F2} million parameters, the \"124M\" it is known by");
// The table must agree with real models: the baby, and a model of GPT-2's kind (biases, 50,257 tokens) made small enough to build.
var gpt2Shaped = gpt2 with { NLayer = 2, NHead = 4, NEmbd = 32 };
foreach (var config in new[] { baby, gpt2Shaped })
{
    long built = new GptModel<float>(config, new Rng(22)).ParameterCount(), counted = ParameterTable.FromConfig(config).Total;
    Check(built == counted, $"a real GptModel (L = {config.NLayer}, C = {config.NEmbd}, V = {config.VocabSize}, bias {config.Bias}) has ParameterCount() {built:N0}, the table's count");
}
Say($"GPT-3 has {tables[2].Total / (double)tables[1].Total:N0}× GPT-2 small's parameters and {tables[2].Total / (double)tables[0].Total:N0}× the baby's. "
    + $"In the baby the embeddings are {(double)(tables[0].Rows[0].Count + tables[0].Rows[1].Count) / tables[0].Total:P1} of the model, in GPT-2 small "
    + $"{(double)(tables[1].Rows[0].Count + tables[1].Rows[1].Count) / tables[1].Total:P1} (its {gpt2.VocabSize:N0}-token vocabulary), in GPT-3 "
    + $"{(double)(tables[2].Rows[0].Count + tables[2].Rows[1].Count) / tables[2].Total:P1}: the blocks grow like L·C², the embeddings like C.");

// ---------------------------------------------------------------------------------------------------------
Section("3. Memory");
(string Name, double Bytes)[] formats = [("float32", 4), ("float16", 2), ("int8", 1), ("int4", 0.5), ("training, AdamW float32", 16)];
Say("Holding the weights takes (parameters × bytes per number). Training with AdamW in float32, as Scratch does, keeps four numbers "
    + "per parameter: the weight, its gradient and AdamW's two running averages, 16 bytes (plus the activations, which depend on the batch).");
Table(["", .. formats.Select(f => f.Name)],
    models.Zip(tables).Select(p => (IReadOnlyList<object>)[p.First.Name, .. formats.Select(f => (object)Bytes(p.Second.Total * f.Bytes))]));
long machine = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
int fitsAt = formats.Take(4).Select((f, i) => (f, i)).Where(p => tables[2].Total * p.f.Bytes <= machine).Select(p => p.i).DefaultIfEmpty(-1).First();
Say($"This machine gives a process {Bytes(machine)}. GPT-2 small fits in every format; GPT-3's weights "
    + (fitsAt < 0 ? "fit in none of them: even at 4 bits they need " + Bytes(tables[2].Total * 0.5) + "." : $"fit from {formats[fitsAt].Name} down."));
Picture("memory.svg", Bars("memory to hold the weights, and to train", "bytes", formats.Select(f => f.Name).ToArray(),
    formats.Select(f => tables.Select(t => t.Total * f.Bytes).ToArray()).ToArray(), models.Select(m => m.Name).ToArray(), Bytes));

// ---------------------------------------------------------------------------------------------------------
Section("4. Compute per token");
Say("Per token, every weight matrix does one multiply-add per number: 2 FLOPs. The unembedding counts too (the tied wte is "
    + "multiplied again at the top), the embedding lookups do not (they copy rows). Attention adds its own products, which hold "
    + "no weights: the query at position t meets t + 1 keys (q·k over C channels, all heads together) and mixes t + 1 values, "
    + "4·C·(t + 1) FLOPs per block, 2·L·C·(N + 1) per token averaged over a full context of N positions.");
var flopRows = new List<object[]>();
var forward = new double[models.Length];
var attentionShare = new double[models.Length];
for (int m = 0; m < models.Length; m++)
{
    var c = models[m].Config;
    double matmulWeights = 12.0 * c.NLayer * c.NEmbd * c.NEmbd + (double)c.VocabSize * c.NEmbd; // q, k, v, o, up, down; unembedding
    double attentionSum = 0;
    for (int t = 0; t < c.BlockSize; t++)
    {
        attentionSum += 4.0 * c.NLayer * c.NEmbd * (t + 1); // position t: scores against t + 1 keys, sum of t + 1 values
    }
    double attention = attentionSum / c.BlockSize;
    Check(attention == 2.0 * c.NLayer * c.NEmbd * (c.BlockSize + 1), $"{models[m].Name}: the attention FLOPs averaged position by position equal 2·L·C·(N + 1) = {Sci(attention)}");
    forward[m] = 2 * matmulWeights + attention;
    double approx = 2.0 * tables[m].Total;
    attentionShare[m] = attention / forward[m];
    flopRows.Add([models[m].Name, Sci(forward[m]), Sci(approx), $"{forward[m] / approx:F3}", $"{100 * attentionShare[m]:F1} %", Sci(3 * forward[m]), Sci(6.0 * tables[m].Total)]);
}
Table(["", "forward FLOPs / token", "2·N", "forward / 2·N", "attention's share", "training (3× forward)", "6·N"], flopRows);
double worstRatio = forward.Select((f, m) => Math.Abs(f / (2.0 * tables[m].Total) - 1)).Max();
Check(worstRatio < 0.1, $"2·N is within {100 * worstRatio:F1}% of the forward count for all three models");
int mostAttention = Enumerable.Range(0, models.Length).MaxBy(m => attentionShare[m]);
Say("So 'forward ≈ 2·N, training ≈ 6·N' is a good rule. What it leaves out is mostly attention's own products, which grow with "
    + $"the context rather than the parameters: the largest share is {models[mostAttention].Name}'s, {100 * attentionShare[mostAttention]:F1} %, "
    + $"whose context ({models[mostAttention].Config.BlockSize:N0}) is long for its width ({models[mostAttention].Config.NEmbd:N0}).");
// Over a whole training run: 6·N per token times the tokens seen.
double babyTokens = (double)babyOptions.MaxIters * babyOptions.BatchSize * baby.BlockSize, gpt3Tokens = 300e9; // GPT-3's paper: 300 billion training tokens
double babyRun = 3 * forward[0] * babyTokens, gpt3Run = 3 * forward[2] * gpt3Tokens;
Say($"A training run costs that per token times the tokens: the baby sees {babyOptions.MaxIters:N0} steps × {babyOptions.BatchSize} windows × "
    + $"{baby.BlockSize} tokens = {babyTokens:N0} tokens, {Sci(babyRun)} FLOPs; GPT-3 saw 300 billion tokens (its paper's figure), "
    + $"{Sci(gpt3Run)} FLOPs, {Sci(gpt3Run / babyRun)}× as much. (The paper's own estimate is 6·N·D, "
    + $"{Sci(6.0 * tables[2].Total * gpt3Tokens)}: the same rule without the attention term.)");
// How fast Scratch does this arithmetic here, measured on the baby's forward pass.
var timed = new GptModel<float>(baby, new Rng(22));
timed.Eval();
int B = 8, T = baby.BlockSize, repeats = Quick ? 3 : 20;
var ids = Enumerable.Range(0, B * T).Select(i => i % baby.VocabSize).ToArray();
using (GradMode.NoGrad())
{
    timed.Forward(ids, B, T); // once to warm up
    var clock = Stopwatch.StartNew();
    for (int r = 0; r < repeats; r++)
    {
        timed.Forward(ids, B, T);
    }
    double seconds = clock.Elapsed.TotalSeconds / repeats, rate = forward[0] * B * T / seconds;
    Say($"Measured here: a forward pass of the baby over {B}×{T} tokens takes {seconds * 1e3:F1} ms, about {rate / 1e9:F1} GFLOP/s "
        + $"(on a machine shared with other work, so take it as rough). At that rate one GPT-3 token would take {forward[2] / rate:F0} s, "
        + $"and GPT-3's training run {Sci(gpt3Run / rate / (365.25 * 24 * 3600))} years.");
}
Picture("flops.svg", Bars("FLOPs per token", "FLOPs", ["forward", "training (3× forward)"],
    [forward, forward.Select(f => 3 * f).ToArray()], models.Select(m => m.Name).ToArray(), Sci));

return Finish();

// A number in scientific notation: 3.54e+11.
static string Sci(double v) => v.ToString("0.##e+0", System.Globalization.CultureInfo.InvariantCulture);

// A byte count in the unit that keeps it between 1 and 1000: 3.2 MB, 349 GB.
static string Bytes(double bytes)
{
    string[] units = ["B", "kB", "MB", "GB", "TB"];
    int u = 0;
    while (bytes >= 1000 && u < units.Length - 1)
    {
        bytes /= 1000;
        u++;
    }
    return $"{bytes:G3} {units[u]}";
}

// A log-scale bar chart: one category per model, one group (colour) per series.
static string Bars(string title, string unit, string[] series, double[][] values, string[] categories, Func<double, string> label)
{
    var chart = new BarChart(title, unit) { LogY = true, Width = 900, Height = 440, ValueFormat = label }.Categories(categories);
    for (int s = 0; s < series.Length; s++)
    {
        chart.Group(series[s], values[s]);
    }
    return chart.ToSvg();
}
