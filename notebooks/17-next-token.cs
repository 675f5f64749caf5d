#!/usr/bin/env dotnet
// Lesson 17 — The unembedding and the next-token distribution
//
// After the last block, the final layer norm gives one vector h (C numbers) per position. The model turns it
// into a score (logit) for every token of the vocabulary by comparing h with each token's embedding row:
//
//     logits_j = h · e_j         logits = h · Wₑᵀ          Wₑ (V, C) is the token embedding wte
//     p_j = exp(logits_j) / Σₖ exp(logits_k)               the next-token distribution (softmax)
//
// GPT-2 ties the weights: the unembedding (lm_head) is the same matrix as the embedding, so a token whose
// embedding points the way h points gets a high score. The loss at a position is −ln p(the true next token).
//
// Why an untrained model's loss is ln V: with GPT-2's initialisation every e_j has entries N(0, 0.02²), and
// h = ln_f(·) has entries of size ≈ 1, so each logit is a sum of C small terms, ≈ N(0, (0.02·√C)²): nearly 0.
// All V probabilities are then ≈ 1/V, and −ln(1/V) = ln V (ln 65 ≈ 4.17 for 65 characters). More exactly,
// for logits N(0, σ²) the expected loss is ≈ ln V + σ²/2.
//
// Library files to read beside it: Gpt/Model/GptModel.cs (Forward: x · TokenEmbeddingᵀ, the tied head),
// Gpt/Model/GptTransformer.cs (wte, wpe, blocks, ln_f; the N(0, 0.02²) initialisation), Nn/Init/Initializers.cs,
// Tensors/Tensor.Softmax.cs, Autograd/Ops/Var.CrossEntropy.cs, Gpt/Training/LossEstimator.cs.
//
// It uses the trained character GPT of lesson 18 (notebooks/out/baby-gpt/, or baby-gpt-quick/ with --quick);
// run alone, it trains it first (a few seconds in quick mode, about a minute in full).
//
// Run:  dotnet run notebooks/17-next-token.cs            (add --quick for the short version the tests run)
#:project ../Gpt/Scratch.Gpt.csproj
#:property PublishAot=false
#:include shared/Lesson.cs
#:include shared/BabyGpt.cs
using Scratch.Autograd;
using Scratch.Gpt.Data;
using Scratch.Gpt.Model;
using Scratch.Gpt.Plots;
using Scratch.Gpt.Training;
using Scratch.Lessons;
using Scratch.Tensors;
using static Scratch.Lessons.Lesson;

Start(args, "17", "the unembedding and the next-token distribution");
var (gpt, tokenizer) = BabyGpt.LoadOrTrain();
var cfg = gpt.Config;
int V = cfg.VocabSize, C = cfg.NEmbd;
string prompt = "ROMEO:\nWhat is th";
int[] ids = tokenizer.Encode(prompt);
int T = ids.Length;

// ---------------------------------------------------------------------------------------------------------
Section("1. logits = h · Wₑᵀ, with the embedding's own matrix");
var names = gpt.NamedParameters().Select(p => p.Name).ToList();
Say($"The model's parameters: {names.Count} tensors, {gpt.ParameterCount():N0} numbers. transformer.wte.weight is [{V}, {C}]: "
    + "one row per token. There is no separate lm_head.weight: GptModel.Forward multiplies by TokenEmbedding.Transpose(0, 1), the same tensor.");
Check(names.Contains("transformer.wte.weight") && !names.Any(n => n.Contains("lm_head", StringComparison.Ordinal)),
    "the parameter list has wte and no lm_head: the head is not a second matrix");
var wte = gpt.TokenEmbedding.Value; // (V, C)
var logits = gpt.Forward(ids, 1, T).Value; // (1, T, V)
// Proof by experiment: zero one row of wte and that token's logit becomes exactly 0 at every position (h · 0 = 0).
int e = tokenizer.Encode("e")[0];
var savedRow = wte.Slice(0, e, e + 1).Clone();
wte.Slice(0, e, e + 1).Fill(0);
var logitsWithout = gpt.Forward(ids, 1, T).Value;
bool allZero = Enumerable.Range(0, T).All(t => logitsWithout[0, t, e] == 0);
wte.Slice(0, e, e + 1).CopyFrom(savedRow);
Check(allZero, $"zeroing row {e} of wte (the character 'e') makes the logit of 'e' exactly 0 at all {T} positions: the head reads wte");
Check((gpt.Forward(ids, 1, T).Value - logits).Abs().Max().Item() == 0, "and restoring the row restores every logit exactly");

// The last position's hidden state h, from the model's own pieces, then the dot products by hand.
var x = new Var<float>((wte.IndexSelect(0, ids) + gpt.PositionEmbedding.Value.Slice(0, 0, T)).Reshape(1, T, C)); // (1, T, C)
foreach (var block in gpt.Blocks)
{
    x = block.Forward(x);
}
var h = gpt.FinalNorm.Forward(x).Value.Slice(1, T - 1, T).Reshape(C); // (C): the final hidden state at the last position
var byHand = new double[V];
for (int j = 0; j < V; j++)
{
    for (int c = 0; c < C; c++)
    {
        byHand[j] += (double)h[c] * wte[j, c]; // logits_j = Σ_c h_c · Wₑ[j, c]
    }
}
double handGap = Enumerable.Range(0, V).Max(j => Math.Abs(byHand[j] - logits[0, T - 1, j]));
Say($"After \"{Visible(prompt)}\", h (the last position's ln_f output) has {C} numbers: [{string.Join(", ", Enumerable.Range(0, 5).Select(c => h[c].ToString("F3")))}, …]. "
    + $"Its dot product with each of the {V} rows of wte, written as a loop:");
Check(handGap < 1e-4, $"Σ_c h_c·Wₑ[j, c] for all {V} tokens equals the model's last row of logits (largest gap {G(handGap)})");

// ---------------------------------------------------------------------------------------------------------
Section("2. The next-token distribution");
var p = Softmax(Enumerable.Range(0, V).Select(j => (double)logits[0, T - 1, j]).ToArray());
var ranked = Enumerable.Range(0, V).OrderByDescending(j => p[j]).ToArray();
// What the text itself says: how often each character follows " th" in tiny Shakespeare.
string text = File.ReadAllText(BabyGpt.Corpus);
string context = " th";
var follows = new double[V];
for (int i = text.IndexOf(context, StringComparison.Ordinal); i >= 0 && i + context.Length < text.Length; i = text.IndexOf(context, i + 1, StringComparison.Ordinal))
{
    follows[tokenizer.Encode(text[i + context.Length].ToString())[0]]++;
}
double seen = follows.Sum();
int show = 10;
double cumulative = 0;
var rows = new List<object[]>();
foreach (int j in ranked.Take(show))
{
    cumulative += p[j];
    rows.Add([rows.Count + 1, $"'{Visible(tokenizer.Decode([j]))}'", Math.Round(logits[0, T - 1, j], 3), p[j], cumulative, follows[j] / seen]);
}
Say($"softmax turns the {V} logits into probabilities. The {show} most likely next characters after \"{Visible(prompt)}\", "
    + $"beside how often each follows \"{context}\" in the corpus ({seen:N0} times in all):");
Table(["rank", "token", "logit", "probability", "cumulative", $"corpus after '{context}'"], rows);
Check(Math.Abs(p.Sum() - 1) < 1e-12, $"the {V} probabilities sum to 1 (|Σ − 1| = {G(Math.Abs(p.Sum() - 1))})");
int corpusTop = Enumerable.Range(0, V).MaxBy(j => follows[j]);
Check(ranked[0] == corpusTop, $"the model's favourite, '{tokenizer.Decode([ranked[0]])}' with p = {G(p[ranked[0]])}, is also the corpus's most frequent character after \"{context}\"");
double coverage = ranked.Take(show).Sum(j => p[j]);
Say($"The top {show} hold {coverage:P1} of the probability; the other {V - show} characters share the rest. If the next character "
    + $"is '{tokenizer.Decode([ranked[0]])}', the loss here is −ln {G(p[ranked[0]])} = {G(-Math.Log(p[ranked[0]]))}; if it were "
    + $"'{tokenizer.Decode([ranked[show - 1]])}', −ln {G(p[ranked[show - 1]])} = {G(-Math.Log(p[ranked[show - 1]]))}.");
Picture("next-token.svg", new BarChart($"the next character after \"{Visible(prompt)}\"", "probability") { Width = 720, ValueFormat = v => v.ToString("F2") }
    .Categories(ranked.Take(show).Select(j => Visible(tokenizer.Decode([j]))).ToArray())
    .Group("the model: p(next | the whole prompt)", ranked.Take(show).Select(j => p[j]).ToArray())
    .Group($"the corpus: frequency after '{context}'", ranked.Take(show).Select(j => follows[j] / seen).ToArray()).ToSvg());

// ---------------------------------------------------------------------------------------------------------
Section("3. Why an untrained model's loss is ln V");
var data = TokenData.FromText(text, tokenizer);
int batches = Quick ? 4 : 20, B = 12;
var untrained = new GptModel<float>(cfg, new Rng(17)); // GPT-2's initialisation: weights N(0, 0.02²)
double untrainedLoss = LossEstimator.Estimate(untrained, data, DataSplit.Val, batches, B, new Rng(170));
var (bx, _) = data.GetBatch(DataSplit.Val, B, cfg.BlockSize, new Rng(171));
var (sigma, self) = LogitSpread(untrained.Forward(bx, B, cfg.BlockSize).Value, bx);
double predicted = 0.02 * Math.Sqrt(C), lnV = Math.Log(V);
Say($"A fresh model with the same shape ({C} wide, {V} tokens). The logits of the tokens other than the one being read have "
    + $"standard deviation {G(sigma)}; the argument above predicts 0.02·√C = 0.02·√{C} = {G(predicted)}.");
Check(Math.Abs(sigma / predicted - 1) < 0.15, $"the untrained logits' spread is 0.02·√C within 15% ({G(sigma)} against {G(predicted)})");
Check(Math.Abs(untrainedLoss - lnV) < 0.1, $"its val loss {G(untrainedLoss)} is ln {V} = {G(lnV)} within 0.1: every character gets p ≈ 1/{V}");
Say($"Not exactly ln {V}, for two small reasons. Logits spread by σ raise the mean of ln Σ exp(z) by about σ²/2 = {G(sigma * sigma / 2)}. "
    + "And the tied weights give one logit a head start: h is ln_f of the stream, which still holds the embedding e_x of the token x "
    + "being read, so h·e_x contains ‖e_x‖² (times ln_f's scale): positive, not random. Its mean here is " + G(self)
    + $" against 0 for the others: an untrained tied model slightly predicts that the current character repeats.");
Check(self > 3 * sigma, $"the current token's own logit averages {G(self)}, over 3σ above the others': the tied embedding seen from both ends");
// The same model with embeddings 50× larger, N(0, 1): confident from the start, so wrong with confidence.
var loud = new GptModel<float>(cfg, new Rng(17));
loud.TokenEmbedding.Value.CopyFrom(loud.TokenEmbedding.Value * 50f);
double loudLoss = LossEstimator.Estimate(loud, data, DataSplit.Val, batches, B, new Rng(170));
var (loudSigma, loudSelf) = LogitSpread(loud.Forward(bx, B, cfg.BlockSize).Value, bx);
var valTokens = data.Val.ToArray();
double repeats = Enumerable.Range(0, valTokens.Length - 1).Count(i => valTokens[i + 1] == valTokens[i]) / (double)(valTokens.Length - 1);
Say($"Now the same model with wte 50× larger, N(0, 1): the other logits spread {G(loudSigma)} (≈ √C) and the current character's "
    + $"own logit averages {G(loudSelf)}: the model is all but certain that every character repeats, and in the text the next "
    + $"character repeats the current one only {repeats:P1} of the time.");
Check(loudLoss > lnV + 1, $"with wte drawn N(0, 1) the initial loss is {G(loudLoss)}, far above ln {V}: confidently wrong");
// The ladder: what each kind of guess costs, in nats per character.
var counts = new double[V];
foreach (int id in data.Train)
{
    counts[id]++;
}
double unigram = -data.Val.ToArray().Average(id => Math.Log(Math.Max(counts[id], 1) / counts.Sum()));
double trainedLoss = LossEstimator.Estimate(gpt, data, DataSplit.Val, batches, B, new Rng(170));
Table(["guess", "val loss (nats per character)"],
[
    [$"uniform over {V} characters: ln {V}", lnV],
    ["untrained GPT (GPT-2 initialisation)", untrainedLoss],
    ["untrained GPT with wte N(0, 1)", loudLoss],
    ["each character's frequency in the training text (no context)", unigram],
    [$"the trained baby GPT ({BabyGpt.Options().MaxIters} steps)", trainedLoss],
]);
Say("So ln V is where training starts. A model that knew only how common each letter is would sit on the frequencies line; "
    + "everything below that comes from reading the context. A loss above ln V means the model is worse than not knowing anything: "
    + "large initial weights start it there, which is one reason GPT-2 initialises with a small standard deviation.");
Check(trainedLoss < unigram && unigram < untrainedLoss, "the trained model beats the frequency-only guess, which beats the untrained model");
Picture("loss-ladder.svg", new BarChart($"what each guess costs (the N(0, 1) model's {loudLoss:F0} nats left out)", "val loss, nats per character") { Width = 640, ValueFormat = v => v.ToString("F3") }
    .Categories([$"uniform: ln {V}", "untrained GPT", "frequencies", "trained GPT"])
    .Group("val loss", [lnV, untrainedLoss, unigram, trainedLoss]).ToSvg());

return Finish();

static double[] Softmax(double[] z)
{
    double m = z.Max();
    var ez = z.Select(v => Math.Exp(v - m)).ToArray();
    double s = ez.Sum();
    return ez.Select(v => v / s).ToArray();
}

// The spread (standard deviation) of the logits of the tokens other than the one being read, and the mean logit of that token.
static (double Others, double Self) LogitSpread(Tensor<float> logits, int[] inputs)
{
    int V = logits.Size(2);
    var z = logits.Reshape(inputs.Length, V);
    double sum = 0, sumSq = 0, self = 0;
    long n = 0;
    for (int r = 0; r < inputs.Length; r++)
    {
        for (int j = 0; j < V; j++)
        {
            if (j == inputs[r])
            {
                self += z[r, j];
                continue;
            }
            sum += z[r, j];
            sumSq += (double)z[r, j] * z[r, j];
            n++;
        }
    }
    double mean = sum / n;
    return (Math.Sqrt(sumSq / n - mean * mean), self / inputs.Length);
}
