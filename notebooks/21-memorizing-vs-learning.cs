#!/usr/bin/env dotnet
// Lesson 21 — Memorising vs learning
//
// The simplest language model counts. An n-gram model predicts the next token from the n − 1 before it by
// looking up how often each token followed that context in the training text (add-k smoothing so that an
// unseen pair is not impossible):
//
//     P(w | c) = (count(c, w) + k) / (count(c) + k·V)        c = the previous n − 1 tokens, V = vocabulary size
//
// A longer context fits the training text better, so the train loss falls as n grows. But the number of
// possible contexts grows like Vⁿ⁻¹, and a million characters cannot show most of them even once: on new
// text (the val split) ever more contexts were never seen, the model falls back to a guess, and the val loss
// turns up. Fitting the training data while getting worse on new data is memorising. The GPT on the same
// split has one set of weights for every context, so what it learns about one context carries to others.
//
// Library files to read beside it: Gpt/Inspection/NGramModel.cs (the counts, the loss, sampling; the code
// behind `scratch ngram`), Gpt/Data/TokenData.cs (the 90/10 train/val split the GPT uses),
// Gpt/Training/LossEstimator.cs (the GPT's exact loss, as `scratch eval --all`), Gpt/Sampling/Generator.cs.
//
// It uses the trained character GPT of lesson 18 (notebooks/out/baby-gpt/), training it first if lesson 18 has
// not run.
//
// Run:  dotnet run notebooks/21-memorizing-vs-learning.cs            (add --quick for the short version the tests run)
#:project ../Gpt/Scratch.Gpt.csproj
#:property PublishAot=false
#:include shared/Lesson.cs
#:include shared/BabyGpt.cs
using Scratch.Gpt.Data;
using Scratch.Gpt.Inspection;
using Scratch.Gpt.Plots;
using Scratch.Gpt.Sampling;
using Scratch.Gpt.Training;
using Scratch.Lessons;
using Scratch.Tensors;
using static Scratch.Lessons.Lesson;

Start(args, "21", "memorising vs learning");
var (gpt, tokenizer) = BabyGpt.LoadOrTrain();
var data = TokenData.FromFile(BabyGpt.Corpus, tokenizer);
int V = tokenizer.VocabSize;
const double k = 0.001; // add-k smoothing, the same for every order
const int maxOrder = 8;
// Quick mode counts a prefix of the train split and scores prefixes; the full lesson counts all of it.
int counted = Quick ? 200_000 : data.Train.Length;
int scored = Quick ? 10_000 : data.Val.Length;
var train = data.Train[..counted].ToArray();
var trainProbe = data.Train[..scored].ToArray(); // the train loss is measured on as many train tokens as val tokens
var val = data.Val[..scored].ToArray();

// ---------------------------------------------------------------------------------------------------------
Section("1. Counting");
Say($"The same split as the GPT: the first 90% of tiny Shakespeare's {data.Length:N0} characters train ({data.Train.Length:N0} tokens), the last 10% "
    + $"validate ({data.Val.Length:N0}). V = {V}." + (Quick
        ? $" Quick mode: the n-grams count the first {counted:N0} train tokens, and every loss is scored on the first {scored:N0} tokens of a split."
        : $" Every loss below is scored on {scored:N0} tokens: the whole val split, and as many tokens from the start of the train split."));
var trigram = NGramModel.Train(train, 3, V, k);
string Label(int id) => tokenizer.Decode([id]).Replace("\n", "⏎").Replace(" ", "␣");
int[] th = tokenizer.Encode("th");
var next = trigram.Distribution(th).Select((p, id) => (p, id)).OrderByDescending(x => x.p).Take(5).ToList();
Say($"A 3-gram looks at two characters. After \"th\" (seen {trigram.ContextCount(th):N0} times in the counted text) it predicts:");
Table(["next w", "count(\"th\", w)", "(count + k) / (count(\"th\") + k·V)", "P(w | \"th\")"],
    next.Select(x => (IReadOnlyList<object>)[$"'{Label(x.id)}'", trigram.PairCount(th, x.id),
        (trigram.PairCount(th, x.id) + k) / (trigram.ContextCount(th) + k * V), x.p]));
Close(trigram.Distribution(th).Sum(), 1, 1e-12, "P(· | \"th\") sums to 1 over the vocabulary");
Close(next[0].p, (trigram.PairCount(th, next[0].id) + k) / (trigram.ContextCount(th) + k * V), 1e-12,
    $"P('{Label(next[0].id)}' | \"th\") is (count + k) / (count(\"th\") + k·V)");

// ---------------------------------------------------------------------------------------------------------
Section($"2. Orders 1 to {maxOrder}: the train loss falls, the val loss turns up");
var models = new List<NGramModel>();
var rows = new List<(int N, int Contexts, double Train, double Val, double Unseen)>();
long medianSeen = 0; // at the highest order: how often a val context that was seen at all was seen, the median
for (int n = 1; n <= maxOrder; n++)
{
    var model = NGramModel.Train(train, n, V, k);
    models.Add(model);
    int unseen = 0;
    for (int i = n - 1; i < val.Length; i++)
    {
        unseen += model.ContextCount(val.AsSpan(i - n + 1, n - 1)) == 0 ? 1 : 0;
    }
    if (n == maxOrder)
    {
        var seenCounts = Enumerable.Range(n - 1, val.Length - n + 1).Select(i => model.ContextCount(val.AsSpan(i - n + 1, n - 1))).Where(c => c > 0).Order().ToList();
        medianSeen = seenCounts.Count == 0 ? 0 : seenCounts[seenCounts.Count / 2];
    }
    rows.Add((n, model.ContextsSeen, model.Loss(trainProbe), model.Loss(val), unseen / (double)(val.Length - n + 1)));
}
// The GPT, scored on the same tokens with the code of `scratch eval --all`.
double gptTrain = LossEstimator.Exact(gpt, trainProbe, 12), gptVal = LossEstimator.Exact(gpt, val, 12);
var best = rows.MinBy(r => r.Val);
Table(["model", "contexts seen", "train loss", "val loss", "val − train", "val positions with an unseen context (%)"],
    rows.Select(r => (IReadOnlyList<object>)[$"{r.N}-gram", r.Contexts, r.Train, r.Val, r.Val - r.Train, Math.Round(100 * r.Unseen, 1)])
        .Append(["GPT", "—", gptTrain, gptVal, gptVal - gptTrain, "—"]));
Say($"The val loss is lowest at n = {best.N} ({G(best.Val)} nats per character); from there it climbs to {G(rows[^1].Val)} at n = {maxOrder}, "
    + $"while the train loss keeps falling, from {G(rows[0].Train)} to {G(rows[^1].Train)}.");
Check(rows.Zip(rows.Skip(1)).All(p => p.Second.Train < p.First.Train), $"the train loss falls at every order, 1 to {maxOrder}");
Check(best.N > 1 && best.N < maxOrder, $"the val loss has its minimum inside the range, at n = {best.N}");
Check(rows[^1].Val > best.Val + 0.3, $"and turns up: n = {maxOrder} is {G(rows[^1].Val - best.Val)} nats worse on val than n = {best.N}");
Say($"Why: at n = {maxOrder} the context is {maxOrder - 1} characters, and {100 * rows[^1].Unseen:F0}% of the val positions have a context the "
    + $"counted text never showed; there the model can only say 1/V for everything (ln {V} = {G(Math.Log(V))} nats). Where it did see the "
    + $"context, it had seen it a median of {medianSeen} times, and it trusts those few counts. The train loss, measured on text it counted, only sees contexts it "
    + $"has seen. It does not reach 0: many {maxOrder - 1}-character contexts are followed by different letters in different places, and "
    + $"with k = {k} even a context seen once gives its one continuation (1 + k) / (1 + k·V) = {G((1 + k) / (1 + k * V))}, not 1.");

var orders = rows.Select(r => (double)r.N).ToArray();
var chart = new Chart($"n-gram models on tiny Shakespeare (k = {k}) against the baby GPT", "n (context = n − 1 characters)", "loss (nats per character)")
    { YRange = (0, 4.5), XRange = (0.5, maxOrder + 0.5), Legend = Corner.BottomLeft };
chart.Line("n-gram train loss", orders, [.. rows.Select(r => r.Train)], colour: Colours.Series[0]);
chart.Points(null, orders, [.. rows.Select(r => r.Train)], colour: Colours.Series[0]);
chart.Line("n-gram val loss", orders, [.. rows.Select(r => r.Val)], colour: Colours.Series[3]);
chart.Points(null, orders, [.. rows.Select(r => r.Val)], colour: Colours.Series[3]);
chart.Points($"val minimum, n = {best.N}", [best.N], [best.Val], colour: "black", radius: 5);
double[] across = [0.5, maxOrder + 0.5];
chart.Line($"GPT val loss {gptVal:F3}", across, [gptVal, gptVal], colour: Colours.Series[3], dashed: true);
chart.Line($"GPT train loss {gptTrain:F3}", across, [gptTrain, gptTrain], colour: Colours.Series[0], dashed: true);
Picture("train-vs-val.svg", chart.ToSvg());

// ---------------------------------------------------------------------------------------------------------
Section("3. Against the GPT");
Say($"The baby GPT ({gpt.ParameterCount():N0} weights, trained on the whole train split) has train loss {G(gptTrain)} and val loss {G(gptVal)}: "
    + $"a gap of {G(gptVal - gptTrain)}. The {maxOrder}-gram's gap is {G(rows[^1].Val - rows[^1].Train)}, and it stores {rows[^1].Contexts:N0} contexts.");
Check(gptVal - gptTrain < rows[^1].Val - rows[^1].Train, $"the GPT's val − train gap is smaller than the {maxOrder}-gram's");
Say(gptVal < best.Val
    ? $"The GPT also beats the best n-gram on val loss, {G(gptVal)} against {G(best.Val)} at n = {best.N}."
    : $"Honestly: on val loss the best n-gram (n = {best.N}, {G(best.Val)}) beats this baby GPT ({G(gptVal)}). A million characters is little "
        + "data and the GPT is small and briefly trained; counting with the right n is a strong baseline at this scale. What the GPT does "
        + "differently is generalise: its val loss sits close to its train loss, it assigns no context the blind 1/V, and, as the samples show, "
        + "it does not recite its training text.");

// ---------------------------------------------------------------------------------------------------------
Section("4. Samples, and how much of each is copied from the training text");
int length = Quick ? 120 : 240;
int[] prompt = train[..(maxOrder - 1)]; // the first 7 characters of the training text: a context every model has seen
string trainText = tokenizer.Decode(data.Train);
const double countsOnly = 1e-9; // k → 0: P(w | c) = count(c, w) / count(c), the counts alone
const int window = 12;
var samples = new List<(string Name, string Text, int Copied, double Windows, int Unseen)>();
void AddNGramSample(string name, NGramModel model, ulong seed)
{
    var ids = model.Sample(prompt, length, new Rng(seed)).ToList();
    var all = prompt.Concat(ids).ToArray();
    // How many letters were drawn after a context the counts never saw, that is from the uniform 1/V.
    int unseen = Enumerable.Range(prompt.Length, length).Count(i => model.N > 1 && model.ContextCount(all.AsSpan(i - model.N + 1, model.N - 1)) == 0);
    string text = tokenizer.Decode(ids);
    samples.Add((name, text, LongestCopy(text, trainText), CopiedWindows(text, trainText, window), unseen));
}
foreach (int n in new[] { 2, 4, maxOrder })
{
    AddNGramSample($"{n}-gram, k = {k}", models[n - 1], 21 + (ulong)n);
}
AddNGramSample($"{maxOrder}-gram, counts only (k = {G(countsOnly)})", models[maxOrder - 1].WithSmoothing(countsOnly), 21);
var generated = Generator.Generate(new KvCache<float>(gpt), prompt, length, new SamplingOptions(Temperature: 1.0), new Rng(21)).Select(t => t.Id).ToList();
string gptText = tokenizer.Decode(generated);
samples.Add(("GPT", gptText, LongestCopy(gptText, trainText), CopiedWindows(gptText, trainText, window), 0));
Say($"Each continues the prompt \"{tokenizer.Decode(prompt)}\" (the first characters of the training text) for {length} characters, drawn from "
    + "its full distribution (temperature 1). \"copied\" is the longest run of the sample found word for word in the train split, "
    + $"then the share of its {window}-character windows found there; "
    + "\"unseen\" counts the letters an n-gram drew after a context its counts never saw, where all it can say is 1/V.");
Table(["model", "longest copied run", $"{window}-character windows copied (%)", "letters drawn from an unseen context"],
    samples.Select(x => (IReadOnlyList<object>)[x.Name, x.Copied, Math.Round(100 * x.Windows, 1), x.Name == "GPT" ? "—" : x.Unseen.ToString()]));
foreach (var (name, text, _, _, _) in samples)
{
    Console.WriteLine($"--- {name} ---");
    Console.WriteLine(text);
    Console.WriteLine();
}
var smoothed = samples.Single(x => x.Name == $"{maxOrder}-gram, k = {k}");
var counts = samples.Single(x => x.Name.StartsWith($"{maxOrder}-gram, counts only", StringComparison.Ordinal));
var gptSample = samples[^1];
Say($"The {maxOrder}-gram with k = {k} starts by reciting, then draws a letter its counts never saw after that context (smoothing gives each "
    + $"such letter a sliver, and there are {V - 1} of them), lands in a context it never saw, and from there can only guess: "
    + $"{smoothed.Unseen} of its {length} letters were drawn from 1/V. With the counts alone it never leaves the training text: it walks "
    + $"through it, jumping between passages that share {maxOrder - 1} characters, and its longest copied run is {counts.Copied} characters.");
Check(counts.Unseen == 0, $"the {maxOrder}-gram on its counts alone never meets a context it has not seen");
Check(counts.Windows > 3 * gptSample.Windows,
    $"it recites its training text: {100 * counts.Windows:F0}% of its {window}-character windows are copied, {100 * gptSample.Windows:F0}% of the GPT's");
Say($"The GPT never has to guess blindly (its softmax gives every context a distribution), and what it shares with the training text is "
    + $"short (its longest copied run is {gptSample.Copied} characters): it writes text of its own in the style it learned.");

return Finish();

// The share of the sample's windows of the given length that occur in text.
static double CopiedWindows(string sample, string text, int length)
{
    int windows = sample.Length - length + 1, copied = 0;
    for (int start = 0; start < windows; start++)
    {
        copied += text.AsSpan().Contains(sample.AsSpan(start, length), StringComparison.Ordinal) ? 1 : 0;
    }
    return copied / (double)windows;
}

// The length of the longest substring of sample that occurs in text. The best length only grows as the start
// moves right (a substring of a copied run is copied too), so one pass over the starts with a growing length
// needs about |sample| + best searches.
static int LongestCopy(string sample, string text)
{
    int best = 0;
    for (int start = 0; start + best < sample.Length; start++)
    {
        while (start + best < sample.Length && text.AsSpan().Contains(sample.AsSpan(start, best + 1), StringComparison.Ordinal))
        {
            best++;
        }
    }
    return best;
}
