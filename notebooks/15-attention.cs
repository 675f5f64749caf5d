#!/usr/bin/env dotnet
// Lesson 15 — Attention from scratch
//
// Attention lets each position of a sequence gather information from the others. Every token's vector x is
// turned into a query q = x·W_q ("what am I looking for?"), a key k = x·W_k ("what do I hold?") and a value
// v = x·W_v ("what do I pass on?"). For T tokens, stacked as rows of Q, K, V (T, d_k):
//
//     scores  = Q·Kᵀ / √d_k                 (T, T): how well query t matches key s
//     weights = softmax(scores) along s      each row sums to 1
//     out     = weights · V                  (T, d_k): row t is a weighted mean of the values
//
// Why divide by √d_k: for q, k with independent unit-variance entries, q·k = Σⱼ qⱼkⱼ is a sum of d_k terms of
// variance 1, so its spread (standard deviation) is √d_k. Unscaled scores grow with the width, the softmax
// picks one key with weight → 1 (entropy → 0) and its gradient vanishes; dividing by √d_k keeps the spread 1.
//
// A GPT predicts the next token, so position t may only look at positions s ≤ t: the causal mask sets
// scores[t, s] = −∞ for s > t, and exp(−∞) = 0. Several heads split the width C into H heads of hs = C/H
// channels, attend separately, and are concatenated back to C.
//
// Library files to read beside it: Autograd/Ops/Var.CausalSelfAttention.cs (the fused op: scale, mask,
// softmax, weighted sum, and its backward), Nn/Modules/CausalSelfAttention.cs (q, k, v from c_attn, the heads,
// c_proj), Gpt/Inspection/AttentionMaps.cs and AttentionSvg.cs (the trained model's attention as heatmaps).
//
// Section 6 uses the trained character GPT of lesson 18 (notebooks/out/baby-gpt/, or baby-gpt-quick/ with
// --quick); run alone, this lesson trains it first (a few seconds in quick mode, about a minute in full).
//
// Run:  dotnet run notebooks/15-attention.cs            (add --quick for the short version the tests run)
#:project ../Gpt/Scratch.Gpt.csproj
#:property PublishAot=false
#:include shared/Lesson.cs
#:include shared/BabyGpt.cs
using Scratch.Autograd;
using Scratch.Gpt.Inspection;
using Scratch.Gpt.Plots;
using Scratch.Lessons;
using Scratch.Nn.Modules;
using Scratch.Tensors;
using static Scratch.Lessons.Lesson;

Start(args, "15", "attention from scratch");

// ---------------------------------------------------------------------------------------------------------
Section("1. Five tokens, one head: softmax(Q·Kᵀ/√d_k)·V");
const int T = 5, C = 8, dk = 4; // five tokens of width 8, one head of width 4
string[] names = ["x0", "x1", "x2", "x3", "x4"];
var rng = new Rng(15);
var X = Tensor<double>.Randn(rng, T, C);                  // (T, C): the five token vectors (random: only the arithmetic matters here)
var Wq = Tensor<double>.Randn(rng, C, dk) / Math.Sqrt(C); // (C, d_k), scaled so that q, k, v have entries of variance ≈ 1
var Wk = Tensor<double>.Randn(rng, C, dk) / Math.Sqrt(C);
var Wv = Tensor<double>.Randn(rng, C, dk) / Math.Sqrt(C);
var Q = X.MatMul(Wq); // (T, d_k)
var K = X.MatMul(Wk); // (T, d_k)
var V = X.MatMul(Wv); // (T, d_k)
Say($"Five tokens x0…x4, each a vector of {C} numbers, and three weight matrices W_q, W_k, W_v of shape ({C}, {dk}). "
    + "One matrix product each turns all five tokens into their queries, keys and values:");
Console.WriteLine($"Q = X·W_q =\n{Q}\n\nK = X·W_k =\n{K}\n");
var scores = Q.MatMul(K.Transpose()) / Math.Sqrt(dk); // (T, d_k)·(d_k, T) → (T, T)
Say($"scores[t, s] = q_t · k_s / √{dk}: one number per (query, key) pair.");
MatrixTable("query \\ key", names, names, scores);
var weights = scores.Softmax(1); // (T, T), each row sums to 1
Say("softmax along each row turns scores into weights: exp(score) / Σ exp(score), positive and summing to 1.");
MatrixTable("query \\ key", names, names, weights);
var output = weights.MatMul(V); // (T, T)·(T, d_k) → (T, d_k)
Say("out = weights · V: row t is Σₛ weights[t, s]·v_s, a mix of the five values in the proportions of row t.");
Console.WriteLine($"out =\n{output}\n");
double worstRowSum = Enumerable.Range(0, T).Max(t => Math.Abs(weights.Slice(0, t, t + 1).Sum().Item() - 1));
Check(worstRowSum < 1e-12, $"every row of weights sums to 1 (worst |Σ − 1| = {G(worstRowSum)})");
double[] row2ByLoop = Enumerable.Range(0, dk).Select(j => Enumerable.Range(0, T).Sum(s => weights[2, s] * V[s, j])).ToArray();
double loopGap = Enumerable.Range(0, dk).Max(j => Math.Abs(row2ByLoop[j] - output[2, j]));
Check(loopGap < 1e-12, $"out row 2 equals Σₛ weights[2, s]·v_s written as a loop (largest gap {G(loopGap)})");

// ---------------------------------------------------------------------------------------------------------
Section("2. Why divide by √d_k");
Say("Take q and k with d_k independent entries of mean 0 and variance 1 (what a layer norm and a well-initialised "
    + "projection give). Each product qⱼkⱼ has variance 1, and the d_k products are independent, so q·k has variance d_k: "
    + "its spread grows like √d_k. Measured, and then what that spread does to a softmax over 8 keys:");
int[] widths = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];
int pairs = Quick ? 4000 : 20000, trials = Quick ? 300 : 3000, keys = 8;
var rows = new List<object[]>();
var spread = new List<double>();
var (maxRaw, maxScaled, entRaw, entScaled, jacRaw, jacScaled) = (new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>());
foreach (int d in widths)
{
    var dots = (Tensor<double>.Randn(rng, pairs, d) * Tensor<double>.Randn(rng, pairs, d)).Sum(1); // (pairs): q·k
    spread.Add(Math.Sqrt(dots.Variance(0).Item()));
    var q = Tensor<double>.Randn(rng, trials, 1, d);     // one query per trial
    var k = Tensor<double>.Randn(rng, trials, keys, d);  // eight keys per trial
    var raw = (q * k).Sum(2);                             // (trials, keys): q·k_s, unscaled
    var (m1, e1, j1) = SoftmaxStats(raw.Softmax(1));
    var (m2, e2, j2) = SoftmaxStats((raw / Math.Sqrt(d)).Softmax(1));
    maxRaw.Add(m1); entRaw.Add(e1); jacRaw.Add(j1); maxScaled.Add(m2); entScaled.Add(e2); jacScaled.Add(j2);
    rows.Add([d, spread[^1], Math.Sqrt(d), m1, e1, j1, m2, e2, j2]);
}
Table(["d_k", "std(q·k)", "√d_k", "max weight", "entropy", "‖∂softmax‖", "max w. /√d_k", "entropy /√d_k", "‖∂softmax‖ /√d_k"], rows);
Say($"Columns 4–6: the softmax of the raw scores q·k; columns 7–9: of q·k/√d_k. 'max weight' is the largest of the 8 weights "
    + $"and 'entropy' −Σ p ln p (ln 8 = {G(Math.Log(keys))} when all 8 are equal, 0 when one takes everything), each averaged over "
    + $"{trials} random queries. ‖∂softmax‖ is the size (Frobenius norm) of the softmax's Jacobian diag(p) − p·pᵀ: how much "
    + "of a gradient reaching the weights is passed on to the scores, and so to W_q and W_k (0 once one weight has taken everything).");
double worstSpread = widths.Select((d, i) => Math.Abs(spread[i] / Math.Sqrt(d) - 1)).Max();
// A standard deviation measured from n samples is off by about √((κ − 1)/4n), κ the kurtosis (9 for d_k = 1, → 3 for large d_k): allow 4 of those.
double spreadTolerance = 4 * Math.Sqrt(8.0 / (4 * pairs));
Check(worstSpread < spreadTolerance, $"std(q·k) = √d_k for every d_k from 1 to 512 (worst relative gap {G(worstSpread)}, sampling error allows {G(spreadTolerance)} with {pairs} pairs)");
Check(maxRaw[^1] > 0.9 && entRaw[^1] < 0.3, $"unscaled, at d_k = 512 the softmax saturates: max weight {G(maxRaw[^1])} (> 0.9), entropy {G(entRaw[^1])} (< 0.3)");
Check(jacRaw[^1] < jacScaled[^1] / 3, $"and passes back {G(jacScaled[^1] / jacRaw[^1])}× less gradient than the scaled one ({G(jacRaw[^1])} against {G(jacScaled[^1])})");
double entLo = entScaled.Skip(3).Min(), entHi = entScaled.Skip(3).Max();
Check(entHi - entLo < 0.1, $"scaled, the entropy stays between {G(entLo)} and {G(entHi)} for d_k = 8…512: the width no longer matters");
double[] xs = widths.Select(d => (double)d).ToArray();
var spreadChart = new Chart("the spread of q·k grows like √d_k", "d_k", "standard deviation of q·k") { LogX = true, LogY = true, Width = 470, Legend = Corner.TopLeft }
    .Line("measured std(q·k)", xs, spread.ToArray(), markers: true)
    .Line("√d_k", xs, xs.Select(Math.Sqrt).ToArray(), dashed: true)
    .Line("measured std(q·k / √d_k)", xs, spread.Select((s, i) => s / Math.Sqrt(widths[i])).ToArray(), markers: true);
var maxChart = new Chart("largest of 8 softmax weights", "d_k", "mean max weight") { LogX = true, YRange = (0, 1), Width = 470, Legend = Corner.BottomRight }
    .Line("softmax(q·k)", xs, maxRaw.ToArray(), markers: true).Line("softmax(q·k / √d_k)", xs, maxScaled.ToArray(), markers: true)
    .HLine(1.0 / keys, "1/8: uniform");
var entChart = new Chart("entropy of the 8 weights", "d_k", "mean entropy (nats)") { LogX = true, YRange = (0, 2.2), Width = 470, Legend = Corner.BottomLeft }
    .Line("softmax(q·k)", xs, entRaw.ToArray(), markers: true).Line("softmax(q·k / √d_k)", xs, entScaled.ToArray(), markers: true)
    .HLine(Math.Log(keys), "ln 8: uniform");
Picture("scaling.svg", Figure.Grid([spreadChart.ToSvg(), maxChart.ToSvg(), entChart.ToSvg()], 3));

// ---------------------------------------------------------------------------------------------------------
Section("3. The causal mask: no looking ahead");
var future = Tensor<double>.Zeros(T, T); // 1 where key s comes after query t
for (int t = 0; t < T; t++)
{
    for (int s = t + 1; s < T; s++)
    {
        future[t, s] = 1;
    }
}
var masked = scores.MaskedFill(future, double.NegativeInfinity); // (T, T): −∞ above the diagonal
Say("A language model reads left to right: when it predicts what follows x2 it must not see x3 or x4. So every score "
    + "above the diagonal (key after query) is replaced by −∞ before the softmax:");
MatrixTable("query \\ key", names, names, masked);
var causal = masked.Softmax(1);
Say("and exp(−∞) = 0, so those keys get weight exactly 0; each row shares its weight among the keys up to itself:");
MatrixTable("query \\ key", names, names, causal);
var causalOut = causal.MatMul(V);
double aboveDiagonal = Enumerable.Range(0, T).SelectMany(t => Enumerable.Range(t + 1, T - t - 1).Select(s => Math.Abs(causal[t, s]))).Max();
Check(aboveDiagonal == 0, "every weight above the diagonal is exactly 0");
Check(causal[0, 0] == 1, "x0 can only attend to itself: its weight on x0 is exactly 1");
// Change the last token and run again: rows 0…3 must not move at all.
var X2 = X.Clone();
for (int j = 0; j < C; j++)
{
    X2[T - 1, j] += 1;
}
var out2 = AttentionHead(X2, Wq, Wk, Wv, future);
double earlierMoved = Enumerable.Range(0, T - 1).SelectMany(t => Enumerable.Range(0, dk).Select(j => Math.Abs(out2[t, j] - causalOut[t, j]))).Max();
double lastMoved = Enumerable.Range(0, dk).Max(j => Math.Abs(out2[T - 1, j] - causalOut[T - 1, j]));
Check(earlierMoved == 0 && lastMoved > 0.01, $"changing x4 changes out row 4 (by up to {G(lastMoved)}) and leaves rows 0–3 bit for bit as they were");
Say($"Why −∞ and not a large negative number such as −1e4 (a habit from float16, whose largest number is {(double)Half.MaxValue:N0})? "
    + "For these scores −1e4 gives the same weights, because exp(−1e4) underflows to 0:");
var finiteMask = scores.MaskedFill(future, -1e4).Softmax(1);
Check(finiteMask.AllClose(causal, 0, 0), "here scores masked with −1e4 give exactly the weights of −∞");
Say("but −1e4 is only below the scores we usually see, and −∞ is below every score. A row whose allowed scores are very negative "
    + "(scores are not bounded: large activations make them so) sends its weight to the future key:");
var odd = Tensor<double>.FromArray([-20000, -20003, 0], 1, 3);            // query 1: keys 0 and 1 allowed, key 2 in the future
var oddMask = Tensor<double>.FromArray([0, 0, 1], 1, 3);
var leak = odd.MaskedFill(oddMask, -1e4).Softmax(1);
var sealedRow = odd.MaskedFill(oddMask, double.NegativeInfinity).Softmax(1);
Table(["allowed scores −20000, −20003; future key masked with", "weight on key 0", "key 1", "future key"],
[
    ["−1e4", leak[0, 0], leak[0, 1], leak[0, 2]],
    ["−∞", sealedRow[0, 0], sealedRow[0, 1], sealedRow[0, 2]],
]);
Check(leak[0, 2] > 0.99 && sealedRow[0, 2] == 0, $"with −1e4 the future key takes weight {G(leak[0, 2])}; with −∞ it takes 0");

// The picture: the five tokens' weights without and with the mask.
Picture("weights.svg", Figure.Grid([WeightsChart("no mask", weights), WeightsChart("causal mask", causal)], 2));

// ---------------------------------------------------------------------------------------------------------
Section("4. Several heads");
const int H = 2, hs = C / H; // two heads of 4 channels each
var WQ = Tensor<double>.Randn(rng, C, C) / Math.Sqrt(C); // (C, C): all heads' queries at once
var WK = Tensor<double>.Randn(rng, C, C) / Math.Sqrt(C);
var WV = Tensor<double>.Randn(rng, C, C) / Math.Sqrt(C);
var WO = Tensor<double>.Randn(rng, C, C) / Math.Sqrt(C); // (C, C): the output projection after the concatenation
Say($"Width C = {C} split into H = {H} heads of hs = {hs}. One (C, C) matrix makes every head's queries at once; "
    + "columns 0–3 belong to head 0 and columns 4–7 to head 1. A reshape (T, C) → (T, H, hs) and a transpose to (H, T, hs) "
    + "line the heads up so one batched product computes all of them; the outputs are put side by side again, (T, C), and "
    + "mixed by an output projection W_o.");
var (multi, headWeights) = MultiHead(X, WQ, WK, WV, WO, H, future);
for (int h = 0; h < H; h++)
{
    Say($"head {h}'s weights:");
    MatrixTable("query \\ key", names, names, headWeights.Slice(0, h, h + 1).Reshape(T, T));
}
// Each head is the one-head attention of section 3 run on its own slice of columns.
double headGap = 0;
for (int h = 0; h < H; h++)
{
    var alone = AttentionHead(X, WQ.Slice(1, h * hs, (h + 1) * hs), WK.Slice(1, h * hs, (h + 1) * hs), WV.Slice(1, h * hs, (h + 1) * hs), future);
    var batched = Attend(X.MatMul(WQ), X.MatMul(WK), X.MatMul(WV), H, future).Y.Slice(1, h * hs, (h + 1) * hs);
    headGap = Math.Max(headGap, (alone - batched).Abs().Max().Item());
}
Check(headGap < 1e-12, $"the batched heads (reshape, transpose, one product) equal each head computed alone on its columns (gap {G(headGap)})");
double headsDiffer = (headWeights.Slice(0, 0, 1) - headWeights.Slice(0, 1, 2)).Abs().Max().Item();
Check(headsDiffer > 0.1, $"the two heads attend differently: their weights differ by up to {G(headsDiffer)}");

// ---------------------------------------------------------------------------------------------------------
Section("5. The same numbers from the library");
var module = new CausalSelfAttention<double>(C, H, nLayer: 1, dropout: 0, bias: false, new Rng(1515));
Say("Nn/Modules/CausalSelfAttention.cs keeps W_q, W_k, W_v stacked in one Linear, c_attn, of weight (3C, C) (a Linear computes "
    + "x·Wᵀ), and W_o in c_proj. Its heads go through Var<T>.CausalSelfAttention, one fused op for scale, mask, softmax and sum. "
    + "Take its weights, run the hand-written attention of section 4 with them, and compare:");
var wAttn = module.CAttn.Weight.Value; // (3C, C)
var (hand, _) = MultiHead(X, wAttn.Slice(0, 0, C).Transpose(), wAttn.Slice(0, C, 2 * C).Transpose(), wAttn.Slice(0, 2 * C, 3 * C).Transpose(),
    module.CProj.Weight.Value.Transpose(), H, future);
var library = module.Forward(new Var<double>(X.Reshape(1, T, C))).Value.Reshape(T, C); // (1, T, C) → (T, C)
double gap64 = (hand - library).Abs().Max().Item();
Check(gap64 < 1e-12, $"CausalSelfAttention<double>.Forward equals the hand-written attention (largest gap {G(gap64)})");
var module32 = new CausalSelfAttention<float>(C, H, nLayer: 1, dropout: 0, bias: false, new Rng(0));
module32.CAttn.Weight.Value.CopyFrom(ToFloat(wAttn));
module32.CProj.Weight.Value.CopyFrom(ToFloat(module.CProj.Weight.Value));
var library32 = module32.Forward(new Var<float>(ToFloat(X).Reshape(1, T, C))).Value.Reshape(T, C);
double gap32 = Enumerable.Range(0, T).SelectMany(t => Enumerable.Range(0, C).Select(j => Math.Abs(library32[t, j] - hand[t, j]))).Max();
double size = hand.Abs().Max().Item(); // the outputs are small: c_proj starts at N(0, 0.02²)
Check(gap32 / size < 1e-5, $"in float32 (what training uses, fast kernels) it agrees to float precision (largest gap {G(gap32)} on outputs up to {G(size)}: {G(gap32 / size)} relative)");
Table(["", "out[4, 0]", "out[4, 1]", "out[4, 2]", "out[4, 3]"],
[
    ["by hand (float64)", hand[4, 0], hand[4, 1], hand[4, 2], hand[4, 3]],
    ["library (float64)", library[4, 0], library[4, 1], library[4, 2], library[4, 3]],
    ["library (float32)", (double)library32[4, 0], (double)library32[4, 1], (double)library32[4, 2], (double)library32[4, 3]],
]);

// ---------------------------------------------------------------------------------------------------------
Section("6. Attention in the trained baby GPT");
var (gpt, tokenizer) = BabyGpt.LoadOrTrain();
string prompt = "ROMEO:\nWhat is the matter?";
int[] ids = tokenizer.Encode(prompt);
var maps = AttentionMaps.Compute(gpt, ids);
string[] labels = prompt.Select(c => c switch { '\n' => "⏎", ' ' => "␣", _ => c.ToString() }).ToArray();
var cfg = gpt.Config;
Say($"The character GPT ({cfg.NLayer} layers of {cfg.NHead} heads, width {cfg.NEmbd}) reads \"{prompt.Replace("\n", "⏎")}\" "
    + $"({ids.Length} tokens). Gpt/Inspection/AttentionMaps.cs records every head's weights. Layer 0's, recomputed here by hand "
    + "from the model's own weights (x = wte[ids] + wpe, h = ln_1(x), q and k from c_attn, masked softmax):");
var block0 = gpt.Blocks[0];
var x0 = gpt.TokenEmbedding.Value.IndexSelect(0, ids) + gpt.PositionEmbedding.Value.Slice(0, 0, ids.Length); // (T, C)
var h0 = block0.Ln1.Forward(new Var<float>(x0)).Value;                                                      // (T, C)
var qkv = block0.Attn.CAttn.Forward(new Var<float>(h0)).Value;                                             // (T, 3C): q, k, v side by side
int Cm = cfg.NEmbd, Tm = ids.Length;
var futureM = Tensor<double>.Zeros(Tm, Tm);
for (int t = 0; t < Tm; t++)
{
    for (int s = t + 1; s < Tm; s++)
    {
        futureM[t, s] = 1;
    }
}
var (_, handMaps) = Attend(ToDouble(qkv.Slice(1, 0, Cm)), ToDouble(qkv.Slice(1, Cm, 2 * Cm)), ToDouble(qkv.Slice(1, 2 * Cm, 3 * Cm)), cfg.NHead, futureM);
double mapGap = 0;
for (int h = 0; h < cfg.NHead; h++)
{
    for (int t = 0; t < Tm; t++)
    {
        for (int s = 0; s < Tm; s++)
        {
            mapGap = Math.Max(mapGap, Math.Abs(handMaps[h, t, s] - maps.Weight(0, h, t, s)));
        }
    }
}
Check(mapGap < 1e-5, $"layer 0's attention by hand equals AttentionMaps' for every head (largest gap {G(mapGap)})");
Say("What the heads do with this prompt, per head, averaged over the positions t ≥ 1 (a uniform head would put 1/(t+1) on each key):");
var headRows = new List<object[]>();
double uniformPrev = Enumerable.Range(1, Tm - 1).Average(t => 1.0 / (t + 1));
double bestPrev = 0;
for (int l = 0; l < maps.Layers; l++)
{
    for (int h = 0; h < maps.Heads; h++)
    {
        var ts = Enumerable.Range(1, Tm - 1).ToArray();
        double self = ts.Average(t => maps.Weight(l, h, t, t)), prev = ts.Average(t => maps.Weight(l, h, t, t - 1)), first = ts.Average(t => maps.Weight(l, h, t, 0));
        double entropy = ts.Average(t => -Enumerable.Range(0, t + 1).Select(s => maps.Weight(l, h, t, s)).Where(p => p > 0).Sum(p => p * Math.Log(p)));
        bestPrev = Math.Max(bestPrev, prev);
        headRows.Add([$"layer {l}, head {h}", self, prev, first, entropy]);
    }
}
headRows.Add(["uniform (for comparison)", uniformPrev, uniformPrev, uniformPrev, Enumerable.Range(1, Tm - 1).Average(t => Math.Log(t + 1))]);
Table(["head", "weight on itself", "on the previous token", "on the first token", "entropy"], headRows);
double worstEntropy = headRows.SkipLast(1).Max(r => (double)r[4]), uniformEntropy = (double)headRows[^1][4];
Check(worstEntropy < uniformEntropy, $"every trained head is more selective than a uniform one (mean entropy at most {G(worstEntropy)} < {G(uniformEntropy)})");
Say($"The head most given to the previous character puts {G(bestPrev)} of its weight there, {bestPrev / uniformPrev:F1}× a uniform head's share. "
    + $"(This model trained for {BabyGpt.Options().MaxIters} steps.) The pictures show each head's whole map: "
    + "rows are queries, columns keys, and the grey triangle is the future that the mask hides.");
for (int l = 0; l < maps.Layers; l += Math.Max(1, maps.Layers - 1))
{
    Picture($"baby-gpt-layer{l}.svg", AttentionSvg.Render(maps, labels, l, null));
}

return Finish();

// softmax(Q·Kᵀ/√d_k, masked where future = 1)·V for one head; Q, K, V from X.
static Tensor<double> AttentionHead(Tensor<double> x, Tensor<double> wq, Tensor<double> wk, Tensor<double> wv, Tensor<double> future)
{
    var q = x.MatMul(wq); // (T, d_k)
    var k = x.MatMul(wk); // (T, d_k)
    var v = x.MatMul(wv); // (T, d_k)
    var weights = (q.MatMul(k.Transpose()) / Math.Sqrt(q.Size(1))).MaskedFill(future, double.NegativeInfinity).Softmax(1); // (T, T)
    return weights.MatMul(v); // (T, d_k)
}

// Causal attention with H heads on Q, K, V of shape (T, C): y (T, C), the heads side by side, and the weights (H, T, T).
static (Tensor<double> Y, Tensor<double> Weights) Attend(Tensor<double> q, Tensor<double> k, Tensor<double> v, int heads, Tensor<double> future)
{
    int t = q.Size(0), c = q.Size(1), hs = c / heads;
    var qh = q.Reshape(t, heads, hs).Transpose(0, 1); // (H, T, hs)
    var kh = k.Reshape(t, heads, hs).Transpose(0, 1); // (H, T, hs)
    var vh = v.Reshape(t, heads, hs).Transpose(0, 1); // (H, T, hs)
    var scores = qh.MatMul(kh.Transpose(1, 2)) / Math.Sqrt(hs); // (H, T, hs)·(H, hs, T) → (H, T, T)
    var weights = scores.MaskedFill(future, double.NegativeInfinity).Softmax(2); // the (T, T) mask broadcast over the heads
    var y = weights.MatMul(vh);                      // (H, T, hs)
    return (y.Transpose(0, 1).Reshape(t, c), weights); // (T, H, hs) → (T, C): concatenate the heads
}

// Multi-head attention with an output projection: (concat of heads)·W_o.
static (Tensor<double> Out, Tensor<double> Weights) MultiHead(Tensor<double> x, Tensor<double> wq, Tensor<double> wk, Tensor<double> wv,
    Tensor<double> wo, int heads, Tensor<double> future)
{
    var (y, weights) = Attend(x.MatMul(wq), x.MatMul(wk), x.MatMul(wv), heads, future);
    return (y.MatMul(wo), weights); // (T, C)
}

// Mean over rows of: the largest weight, the entropy −Σ p ln p, and ‖diag(p) − p·pᵀ‖_F.
static (double Max, double Entropy, double Jacobian) SoftmaxStats(Tensor<double> p)
{
    int n = p.Size(0), m = p.Size(1);
    double max = 0, entropy = 0, jacobian = 0;
    for (int r = 0; r < n; r++)
    {
        double rowMax = 0, h = 0, sumSq = 0, sq = 0;
        for (int i = 0; i < m; i++)
        {
            double pi = p[r, i];
            rowMax = Math.Max(rowMax, pi);
            h -= pi > 0 ? pi * Math.Log(pi) : 0;
            sumSq += pi * pi;
            sq += pi * pi * (1 - 2 * pi); // the diagonal's correction: (pᵢ − pᵢ²)² − pᵢ⁴ = pᵢ²(1 − 2pᵢ)
        }
        max += rowMax;
        entropy += h;
        jacobian += Math.Sqrt(sumSq * sumSq + sq); // Σᵢⱼ (pᵢpⱼ)² = (Σ pᵢ²)², plus the diagonal's correction
    }
    return (max / n, entropy / n, jacobian / n);
}

static void MatrixTable(string corner, string[] rowNames, string[] columnNames, Tensor<double> m) =>
    Table([corner, .. columnNames], rowNames.Select((r, i) => (IReadOnlyList<object>)[r, .. columnNames.Select((_, j) => Cell(m[i, j]))]));

static object Cell(double v) => double.IsNegativeInfinity(v) ? "-∞" : Math.Round(v, 4);

static string WeightsChart(string title, Tensor<double> w)
{
    int n = w.Size(0);
    var values = new double[n, n]; // values[t, s]: row t of the grid is drawn at height t
    for (int t = 0; t < n; t++)
    {
        for (int s = 0; s < n; s++)
        {
            values[t, s] = w[t, s];
        }
    }
    double[] positions = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
    var chart = new Chart(title, "key s", "query t") { Width = 420, Height = 380, XRange = (-0.5, n - 0.5), YRange = (-0.5, n - 0.5) }
        .Heatmap(values, positions, positions, Colours.WhiteBlue, 0, 1, "weight");
    for (int t = 0; t < n; t++)
    {
        for (int s = 0; s < n; s++)
        {
            chart.Text(s - 0.32, t - 0.12, w[t, s].ToString("F2"), w[t, s] > 0.5 ? "white" : "black");
        }
    }
    return chart.ToSvg();
}

static Tensor<float> ToFloat(Tensor<double> t) => Tensor<float>.FromArray(t.ToArray().Select(v => (float)v).ToArray(), t.ShapeArray());

static Tensor<double> ToDouble(Tensor<float> t) => Tensor<double>.FromArray(t.ToArray().Select(v => (double)v).ToArray(), t.ShapeArray());
