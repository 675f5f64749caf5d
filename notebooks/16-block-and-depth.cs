#!/usr/bin/env dotnet
// Lesson 16 — The block and depth
//
// A GPT is a stack of identical blocks. Each block reads the residual stream x (T, C) and adds two updates:
//
//     x = x + attn(ln_1(x))          tokens exchange information (lesson 15)
//     x = x + mlp(ln_2(x))           each position thinks on its own
//
// The MLP is two matrices around a non-linearity, applied to every position separately:
//
//     mlp(u) = GELU(u·W_fcᵀ + b_fc)·W_projᵀ + b_proj       W_fc (4C, C) widens to 4C, W_proj (C, 4C) narrows back
//     GELU(z) = ½·z·(1 + tanh(√(2/π)·(z + 0.044715·z³)))     a smooth ReLU
//
// Layer norm sits at the start of each branch (pre-LN, GPT-2), not on the stream: the stream only ever has
// things added to it, so the gradient of the loss reaches every block through the "+ x" path unchanged.
// Parameters per block: attention 4·C² (W_q, W_k, W_v, W_o), MLP 8·C² (4C·C twice), so 12·C², plus 2C gains of
// the two layer norms (and with bias=True, 9C Linear biases and 2C layer-norm biases: 12·C² + 13·C).
//
// What depth buys is measured by training 1, 2 and 4 blocks with everything else equal.
//
// Library files to read beside it: Nn/Modules/Block.cs (the two residual lines), Nn/Modules/Mlp.cs,
// Nn/Modules/GELU.cs and Autograd/Ops/Var.Activations.cs (GELU), Nn/Modules/LayerNorm.cs and
// Autograd/Ops/Var.LayerNorm.cs, Gpt/Model/GptModel.cs and GptTransformer.cs (the stack), Gpt/Training/Trainer.cs.
//
// Sections 1–4 use the trained character GPT of lesson 18 (notebooks/out/baby-gpt/, or baby-gpt-quick/ with
// --quick); run alone, this lesson trains it first (a few seconds in quick mode, about a minute in full).
// Section 5 trains its own three models into notebooks/out/16/.
//
// Run:  dotnet run notebooks/16-block-and-depth.cs            (add --quick for the short version the tests run)
#:project ../Gpt/Scratch.Gpt.csproj
#:property PublishAot=false
#:include shared/Lesson.cs
#:include shared/BabyGpt.cs
using System.Diagnostics;
using Scratch.Autograd;
using Scratch.Gpt.Checkpoints;
using Scratch.Gpt.Inspection;
using Scratch.Gpt.Model;
using Scratch.Gpt.Plots;
using Scratch.Gpt.Training;
using Scratch.Lessons;
using Scratch.Nn.Modules;
using Scratch.Tensors;
using static Scratch.Lessons.Lesson;

Start(args, "16", "the block and depth");
var (gpt, tokenizer) = BabyGpt.LoadOrTrain();
var cfg = gpt.Config;
int C = cfg.NEmbd;
string prompt = "ROMEO:\nWhat is the matter?";
int[] ids = tokenizer.Encode(prompt);
int T = ids.Length;
var embedded = gpt.TokenEmbedding.Value.IndexSelect(0, ids) + gpt.PositionEmbedding.Value.Slice(0, 0, T); // (T, C): the stream before block 0
var block0 = gpt.Blocks[0];

// ---------------------------------------------------------------------------------------------------------
Section("1. The MLP: widen, bend, narrow");
var afterAttn = embedded + block0.Attn.Forward(block0.Ln1.Forward(new Var<float>(embedded.Reshape(1, T, C)))).Value.Reshape(T, C);
var u = block0.Ln2.Forward(new Var<float>(afterAttn)).Value; // (T, C): what block 0's MLP reads
var wFc = block0.Mlp.CFc.Weight.Value;     // (4C, C)
var wProj = block0.Mlp.CProj.Weight.Value; // (C, 4C)
Say($"Block 0's MLP in the trained model (width C = {C}): c_fc has weight [{string.Join(", ", wFc.ShapeArray())}], c_proj [{string.Join(", ", wProj.ShapeArray())}]. "
    + $"For the prompt \"{prompt.Replace("\n", "⏎")}\" ({T} positions) it reads u = ln_2(x), (T, C), and computes by hand:");
var hidden = u.MatMul(wFc.Transpose());      // (T, C)·(C, 4C) → (T, 4C)
var bent = GeluByFormula(hidden);            // (T, 4C)
var mlpByHand = bent.MatMul(wProj.Transpose()); // (T, 4C)·(4C, C) → (T, C); bias=False in this model
var mlpLibrary = block0.Mlp.Forward(new Var<float>(u)).Value;
double mlpGap = (mlpByHand - mlpLibrary).Abs().Max().Item();
Check(mlpGap < 1e-5, $"GELU(u·W_fcᵀ)·W_projᵀ by hand equals Mlp.Forward (largest gap {G(mlpGap)})");
var zs = Tensor<float>.FromArray(Enumerable.Range(0, 161).Select(i => -4f + i * 0.05f).ToArray());
double geluGap = (GeluByFormula(zs) - zs.Gelu()).Abs().Max().Item();
Check(geluGap < 1e-6, $"the tanh formula ½z(1 + tanh(√(2/π)(z + 0.044715z³))) equals the library's GELU on [−4, 4] (largest gap {G(geluGap)})");
double positive = hidden.ToArray().Count(v => v > 0) / (double)hidden.Count;
Say($"Of the {T}·{4 * C} hidden numbers, {positive:P0} are positive and pass through GELU nearly unchanged; the negative ones are "
    + "squashed towards 0. Without the bend the two matrices would collapse into one, W_projᵀ·W_fcᵀ: a single linear map.");
// The MLP never mixes positions: position 5 alone gives the same row as position 5 inside the sequence, up to
// float32 rounding: a 1-row and a 26-row matrix product take different paths through the matmul kernel, which add
// the same C products in a different order.
var alone = block0.Mlp.Forward(new Var<float>(u.Slice(0, 5, 6))).Value; // (1, C)
double mixGap = (alone - mlpLibrary.Slice(0, 5, 6)).Abs().Max().Item();
Check(mixGap < 1e-5, $"the MLP works on each position alone: position 5 by itself gives its row of the whole sequence, up to float32 rounding (largest gap {G(mixGap)}; attention is where positions meet)");
var zd = zs.ToArray().Select(v => (double)v).ToArray();
Picture("gelu.svg", new Chart("GELU, the MLP's non-linearity", "z", "activation") { Legend = Corner.TopLeft, Width = 520, Height = 360 }
    .Line("GELU(z)", zd, GeluByFormula(zs).ToArray().Select(v => (double)v).ToArray())
    .Line("ReLU(z) = max(0, z)", zd, zd.Select(z => Math.Max(0, z)).ToArray(), dashed: true).ToSvg());

// ---------------------------------------------------------------------------------------------------------
Section("2. The residual stream");
Say("A block does not replace x: it adds to it. Block 0 computed from its own submodules, Ln1, Attn, Ln2, Mlp:");
var x = new Var<float>(embedded.Reshape(1, T, C));
var attnUpdate = block0.Attn.Forward(block0.Ln1.Forward(x)); // (1, T, C)
var mid = x + attnUpdate;
var mlpUpdate = block0.Mlp.Forward(block0.Ln2.Forward(mid));
var bySum = (mid + mlpUpdate).Value;
var byBlock = block0.Forward(x).Value;
Check((bySum - byBlock).Abs().Max().Item() == 0, "Block.Forward(x) is exactly x + attn(ln_1(x)), then + mlp(ln_2(·))");
// A block whose two output projections are zero adds nothing: it is the identity, and the stream passes through.
var fresh = new Block<float>(C, cfg.NHead, cfg.NLayer, 0, false, new Rng(16));
fresh.Attn.CProj.Weight.Value.Fill(0);
fresh.Mlp.CProj.Weight.Value.Fill(0);
Check((fresh.Forward(x).Value - x.Value).Abs().Max().Item() == 0, "a block with zero output projections passes the stream through unchanged: it starts as the identity and learns a change");

// Run the whole stack by hand, keeping each update, and the loss's gradient at each point of the stream.
var targets = ids.Skip(1).Append(tokenizer.Encode("\n")[0]).ToArray(); // the next character at every position
var stream = new List<Var<float>> { new(embedded.Reshape(1, T, C), requiresGrad: true) };
var streamRows = new List<object[]>();
for (int l = 0; l < cfg.NLayer; l++)
{
    var block = gpt.Blocks[l];
    var a = block.Attn.Forward(block.Ln1.Forward(stream[^1]));
    var m = block.Mlp.Forward(block.Ln2.Forward(stream[^1] + a));
    streamRows.Add([$"block {l}", Rms(stream[^1].Value), Rms(a.Value), Rms(m.Value)]);
    var next = stream[^1] + a + m;
    stream.Add(next);
}
var logits = gpt.FinalNorm.Forward(stream[^1]).MatMul(gpt.TokenEmbedding.Transpose(0, 1)); // (1, T, V)
var loss = Var<float>.CrossEntropy(logits, targets);
loss.Backward();
double logitGap = (logits.Value - gpt.Forward(ids, 1, T).Value).Abs().Max().Item();
Check(logitGap < 1e-4, $"the stack run by hand, then ln_f and wteᵀ, gives the model's logits (largest gap {G(logitGap)})");
for (int l = 0; l < cfg.NLayer; l++)
{
    streamRows[l] = [.. streamRows[l], Rms(stream[l].Grad!)];
}
streamRows.Add(["after the last block", Rms(stream[^1].Value), "—", "—", Rms(stream[^1].Grad!)]);
Say("Each block's two updates beside the stream they are added to (RMS: the root mean square, a typical size), and the gradient "
    + "of the loss for the next characters of the prompt at each point of the stream:");
Table(["", "RMS of the stream x", "RMS of attn's update", "RMS of mlp's update", "RMS of ∂L/∂x"], streamRows);
double gradBottom = Rms(stream[0].Grad!), gradTop = Rms(stream[^1].Grad!);
Say("The derivative of x + f(x) is 1 + f′(x): whatever f does, the '1' hands the gradient arriving at a block's output straight "
    + "to its input, and f′ adds to it. So the gradient of the loss cannot fade away on its way down a deep stack.");
Check(gradBottom >= gradTop, $"∂L/∂x at the bottom of the stack is {gradBottom / gradTop:F1}× its size at the top: it did not vanish on the way down");
Say("(Here it even grows downwards: the embeddings are small numbers, and ln_1 divides them by their small spread, which "
    + "multiplies the gradient through it by as much.)");

// ---------------------------------------------------------------------------------------------------------
Section("3. Where the layer norm sits");
var g = block0.Ln1.Weight.Value;
var mean = embedded.Mean(1, keepDim: true);                                // (T, 1)
var variance = ((embedded - mean) * (embedded - mean)).Mean(1, keepDim: true); // (T, 1), the biased variance
var normalised = (embedded - mean) / (variance + 1e-5f).Sqrt();            // (T, C): mean 0, variance 1 in every row
var lnByHand = normalised * g;
double lnGap = (lnByHand - block0.Ln1.Forward(new Var<float>(embedded)).Value).Abs().Max().Item();
Check(lnGap < 1e-5, $"ln_1(x) = (x − mean)/√(var + 1e-5) · γ by hand equals LayerNorm.Forward (largest gap {G(lnGap)})");
Say("Pre-LN (GPT-2, and Scratch): each branch reads a normalised copy, x + f(LN(x)), and the stream itself is normalised only once, "
    + "by ln_f before the unembedding. The original Transformer normalised the stream after each addition, LN(x + f(x)): then every "
    + "gradient passes through every layer norm on its way down, and deep stacks needed a careful learning-rate warmup to train. "
    + "The table above shows the consequence: the stream's RMS grows from block to block (nothing rescales it), "
    + $"while each branch's input is rescaled to a fixed size (the rows of (x − mean)/√var have RMS {G(Rms(normalised))}).");

// ---------------------------------------------------------------------------------------------------------
Section("4. Parameters per block");
var blockParameters = gpt.NamedParameters().Where(p => p.Name.StartsWith("transformer.h.0.", StringComparison.Ordinal)).ToList();
Table(["parameter", "shape", "numbers"], blockParameters.Select(p => (IReadOnlyList<object>)[p.Name, $"[{string.Join(", ", p.Parameter.Value.ShapeArray())}]", (long)p.Parameter.Value.Count]));
long perBlock = blockParameters.Sum(p => (long)p.Parameter.Value.Count);
Check(perBlock == 12L * C * C + 2 * C, $"one block holds {perBlock} = 12·C² + 2·C numbers (C = {C}: 4C² attention, 8C² MLP, 2C layer-norm gains)");
var withBias = new Block<float>(C, cfg.NHead, cfg.NLayer, 0, bias: true, new Rng(16));
Check(withBias.ParameterCount() == 12L * C * C + 13 * C, $"with bias=True (GPT-2) a block holds {withBias.ParameterCount():N0} = 12·C² + 13·C");
long total = gpt.ParameterCount();
long embeddings = (long)cfg.VocabSize * C + (long)cfg.BlockSize * C;
Check(total == embeddings + cfg.NLayer * perBlock + C && total == ParameterTable.FromConfig(cfg).Total,
    $"the model: V·C + N·C + L·(12C² + 2C) + C (ln_f) = {total:N0}, as ParameterCount() and ParameterTable say");
Say($"So the {cfg.NLayer} blocks hold {(double)cfg.NLayer * perBlock / total:P0} of this model's {total:N0} numbers and the embeddings {(double)embeddings / total:P0}. "
    + "The blocks grow like C², the embeddings like C: at GPT-2's width the blocks dominate (lesson 22).");

// ---------------------------------------------------------------------------------------------------------
Section("5. What stacking blocks changes");
int steps = Quick ? 120 : 800;
int[] depths = [1, 2, 4];
// Small models (width 64, 4 heads, 32 characters of context, learning rate 3e-3: the quick baby's shape), so that
// three of them train in seconds; only n_layer differs between them.
var small = new TrainOptions
{
    Data = BabyGpt.Corpus, NEmbd = 64, NHead = 4, BlockSize = 32, BatchSize = 12, LearningRate = 3e-3, MinLr = 3e-4,
    MaxIters = steps, LrDecayIters = steps, WarmupIters = steps / 10, EvalInterval = steps / (Quick ? 3 : 8), EvalIters = Quick ? 4 : 10, Seed = 1337,
};
Say($"Train three models that differ only in depth, L = 1, 2, 4 blocks: the same width ({small.NEmbd}), heads ({small.NHead}), context "
    + $"({small.BlockSize}), batch ({small.BatchSize}), learning-rate schedule (peak {small.LearningRate}), seed, and {steps} steps each.");
var results = new List<(int Layers, long Parameters, TrainResult Result, double Seconds)>();
foreach (int depth in depths)
{
    var options = small with { OutDir = Path.Combine(OutDir, $"layers-{depth}"), NLayer = depth, Overwrite = true };
    var clock = Stopwatch.StartNew();
    var result = new Trainer(options, new BabyGpt.QuietProgress()).Run();
    long count = ParameterTable.FromConfig(options.ModelConfig(cfg.VocabSize)).Total;
    results.Add((depth, count, result, clock.Elapsed.TotalSeconds));
}
Table(["blocks", "parameters", "train loss", "val loss", "seconds"], results.Select(r =>
    (IReadOnlyList<object>)[r.Layers, r.Parameters, r.Result.Evals[^1].TrainLoss, r.Result.Evals[^1].ValLoss, Math.Round(r.Seconds, 1)]));
Check(results.All(r => r.Result.Evals[^1].ValLoss < Math.Log(cfg.VocabSize) - 1),
    $"every depth learned: val loss fell from about ln {cfg.VocabSize} = {G(Math.Log(cfg.VocabSize))} to below {G(Math.Log(cfg.VocabSize) - 1)}");
// Each added block must add exactly one block's parameters: count them in the checkpoints the runs wrote.
var counted = depths.Select(d => CheckpointLoader.Load(Path.Combine(OutDir, $"layers-{d}")).Model.ParameterCount()).ToArray();
long smallBlock = 12L * small.NEmbd!.Value * small.NEmbd.Value + 2 * small.NEmbd.Value;
Check(counted[1] - counted[0] == smallBlock && counted[2] - counted[1] == 2 * smallBlock,
    $"the saved models grow by exactly 12·C² + 2·C = {smallBlock:N0} parameters per added block");
var ordered = results.OrderBy(r => r.Result.Evals[^1].ValLoss).Select(r => $"{r.Layers} block{(r.Layers > 1 ? "s" : "")} ({G(r.Result.Evals[^1].ValLoss)})");
double spread = results.Max(r => r.Result.Evals[^1].ValLoss) - results.Min(r => r.Result.Evals[^1].ValLoss);
double drop = results.Min(r => r.Result.Evals[0].ValLoss - r.Result.Evals[^1].ValLoss);
Say($"After {steps} steps, from best to worst: {string.Join(", ", ordered)}. Training lowered every model's val loss by at least "
    + $"{G(drop)}; depth moved the final val loss by at most {G(spread)}. (The seconds are wall-clock time on this machine, shared "
    + "with whatever else runs on it; the work per step grows with the number of blocks.)");
var data = Scratch.Gpt.Data.TokenData.FromText(File.ReadAllText(BabyGpt.Corpus), tokenizer);
double babyVal = LossEstimator.Estimate(gpt, data, Scratch.Gpt.Data.DataSplit.Val, 10, 12, new Rng(16));
var worst = results.MaxBy(r => r.Result.Evals[^1].ValLoss);
Say(spread < 0.05
    ? $"Honestly, then: in {steps} steps depth changed little, {G(spread)} against the {G(drop)} that training itself gained. Most of what "
        + "this many steps teach (which characters tend to follow the last few) one block can already represent, and a deeper "
        + "model has more weights to fit in the same number of steps."
    : $"Here depth mattered: after only {steps} steps the {worst.Layers}-block model is {G(spread)} behind the best: "
        + (worst.Layers == depths[0] ? "the deeper models learned faster from the same steps. " : "its extra blocks have not paid for themselves yet. ")
        + "Whether the gap lasts takes longer runs (the full lesson trains 800 steps).");
Say("What a second block can add is composition: attention in block 2 can look for a position chosen by what block 1 wrote there "
    + "(the 'induction heads' that copy a pattern seen earlier need two layers), which pays off when there is more to learn than a "
    + $"short run reaches. For scale: the baby GPT of sections 1–4 ({cfg.NLayer} blocks of width {cfg.NEmbd}, trained "
    + $"{BabyGpt.Options().MaxIters} steps) reaches val loss {G(babyVal)}.");
var lossChart = new Chart($"val loss while training, {steps} steps", "step", "val loss (nats per character)") { Legend = Corner.TopRight, XRange = (0, steps) };
foreach (var r in results)
{
    lossChart.Line($"{r.Layers} block{(r.Layers > 1 ? "s" : "")}", r.Result.Evals.Select(e => (double)e.Iteration).ToArray(),
        r.Result.Evals.Select(e => e.ValLoss).ToArray(), markers: true);
}
Picture("depth.svg", lossChart.ToSvg());

return Finish();

// GELU, tanh form, written out: ½·z·(1 + tanh(√(2/π)·(z + 0.044715·z³))).
static Tensor<float> GeluByFormula(Tensor<float> z)
{
    var inner = (z + z * z * z * 0.044715f) * MathF.Sqrt(2 / MathF.PI);
    return z * 0.5f * (inner.Tanh() + 1f);
}

// The root mean square of a tensor's numbers: its typical size.
static double Rms(Tensor<float> t) => Math.Sqrt(t.ToArray().Average(v => (double)v * v));
