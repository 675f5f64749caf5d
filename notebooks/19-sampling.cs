#!/usr/bin/env dotnet
// Lesson 19 — Sampling
//
// The model gives one number per token, the logits z (V of them) for what comes next. Generating text is a
// loop: turn z into a distribution, pick a token, append it, run the model again.
//
//     greedy (T = 0)     always the argmax of z
//     temperature T      p = softmax(z / T): T < 1 sharpens, T > 1 flattens; its entropy H = −Σ pᵢ ln pᵢ
//                        (0 when one token is certain, ln V when all are equally likely)
//     top-k              keep the k most likely tokens, renormalise
//     top-p (nucleus)    keep the fewest most likely tokens whose probabilities reach p, renormalise
//
// Each step runs the model over the whole context again, unless the keys and values of the earlier
// positions are kept (a KV cache): then a step costs one position's work instead of T positions'. The model
// sees at most block_size tokens: anything earlier cannot change the next token at all.
//
// Library files to read beside it: Gpt/Sampling/Sampler.cs (temperature, top-k, top-p, entropy, the draw),
// Gpt/Sampling/Generator.cs (the streaming loop), Gpt/Sampling/KvCache.cs and UncachedSource.cs (with and
// without the cache), Gpt/Inspection/AttentionMaps.cs.
//
// It uses the trained character GPT of lesson 18 (notebooks/out/baby-gpt/), training it first if lesson 18
// has not run.
//
// Run:  dotnet run notebooks/19-sampling.cs            (add --quick for the short version the tests run)
#:project ../Gpt/Scratch.Gpt.csproj
#:property PublishAot=false
#:include shared/Lesson.cs
#:include shared/BabyGpt.cs
using System.Diagnostics;
using Scratch.Gpt.Inspection;
using Scratch.Gpt.Model;
using Scratch.Gpt.Plots;
using Scratch.Gpt.Sampling;
using Scratch.Lessons;
using Scratch.Tensors;
using static Scratch.Lessons.Lesson;

Start(args, "19", "sampling");
var (model, chars) = BabyGpt.LoadOrTrain();
int V = model.Config.VocabSize, blockSize = model.Config.BlockSize;
var cache = new KvCache<float>(model);
string Label(int id) => Visible(chars.Decode([id]));

// ---------------------------------------------------------------------------------------------------------
Section("1. Temperature: from the logits to a distribution");
string prompt = "ROMEO:\nI will ";
double[] logits = cache.NextLogits(chars.Encode(prompt));
Say($"The prompt \"{Visible(prompt)}\" ({prompt.Length} characters). The model's logits for the next character, divided by T and "
    + "put through a softmax; the entropy H in nats, and e^H, the number of equally likely choices it is worth:");
static double[] SoftmaxByHand(double[] z, double t)
{
    double max = z.Max();
    var e = z.Select(v => Math.Exp((v - max) / t)).ToArray();
    double sum = e.Sum();
    return e.Select(v => v / sum).ToArray();
}
double[] temperatures = [0, 0.5, 1, 2];
var entropies = new List<double>();
var rows = new List<object[]>();
foreach (double t in temperatures)
{
    double[] p = Sampler.Distribution(logits, new SamplingOptions(t));
    double h = Sampler.Entropy(p);
    entropies.Add(h);
    var top = Enumerable.Range(0, V).OrderByDescending(i => p[i]).Take(4).Select(i => $"{Label(i)} {p[i]:F3}");
    rows.Add([t == 0 ? "0 (greedy)" : G(t), h, Math.Exp(h), string.Join("  ", top)]);
    if (t > 0)
    {
        double[] byHand = SoftmaxByHand(logits, t);
        double handEntropy = -byHand.Where(q => q > 0).Sum(q => q * Math.Log(q));
        Close(h, handEntropy, 1e-12, $"T = {G(t)}: the library's entropy equals −Σ p ln p of softmax(z/T) computed here");
    }
}
Table(["T", "entropy H (nats)", "e^H", "most likely next characters"], rows);
Check(entropies[0] == 0 && entropies[1] < entropies[2] && entropies[2] < entropies[3] && entropies[3] < Math.Log(V),
    $"the entropy grows with T: 0 < {G(entropies[1])} < {G(entropies[2])} < {G(entropies[3])} < ln V = {G(Math.Log(V))}");

var bars = new BarChart($"the next character after \"{Visible(prompt)}\" at three temperatures", "probability")
    { Width = 820, ValueFormat = v => v.ToString("F2", System.Globalization.CultureInfo.InvariantCulture) };
var ranked = Enumerable.Range(0, V).OrderByDescending(i => logits[i]).Take(8).ToArray();
bars.Categories(ranked.Select(Label).ToArray());
foreach (double t in temperatures.Where(t => t > 0))
{
    double[] p = Sampler.Distribution(logits, new SamplingOptions(t));
    bars.Group($"T = {G(t)}", ranked.Select(i => p[i]).ToArray());
}
Picture("temperature.svg", bars.ToSvg());

Say("Samples of 150 characters from the same prompt, the same seed, at each temperature:");
foreach (double t in temperatures)
{
    var tokens = Generator.Generate(cache, chars.Encode(prompt), 150, new SamplingOptions(t), new Rng(7)).ToList();
    Console.WriteLine($"--- T = {G(t)} ---");
    Console.WriteLine(prompt + chars.Decode(tokens.Select(x => x.Id).ToList()));
    Console.WriteLine();
    if (t == 0)
    {
        Check(tokens.All(x => x.Id == Sampler.ArgMax(x.Logits)), "greedy: every generated character is the argmax of its logits");
        string greedy = chars.Decode(tokens.Select(x => x.Id).ToList());
        int repeatAt = Enumerable.Range(20, greedy.Length - 20).FirstOrDefault(i => greedy[..i].Contains(greedy.Substring(i, Math.Min(20, greedy.Length - i))), -1);
        Say(repeatAt >= 0
            ? $"Greedy decoding falls into a loop: from character {repeatAt} on it repeats 20 characters it wrote before."
            : "Greedy decoding did not repeat itself within 150 characters here.");
    }
}

// ---------------------------------------------------------------------------------------------------------
Section("2. Top-k and top-p: how many characters survive");
string certain = "ROMEO:\nI will go.\n\nJULIET:";
double[] logitsCertain = cache.NextLogits(chars.Encode(certain));
static int Survivors(double[] p) => p.Count(q => q > 0);
static int NucleusByHand(double[] z, double topP)
{
    var sorted = SoftmaxByHand(z, 1).OrderByDescending(q => q).ToArray();
    double sum = 0;
    int kept = 0;
    while (sum < topP)
    {
        sum += sorted[kept++];
    }
    return kept;
}
var filterRows = new List<object[]>();
var filters = new (string Name, SamplingOptions Options)[]
{
    ("none", new(1.0)), ("top-k 1", new(1.0, TopK: 1)), ("top-k 5", new(1.0, TopK: 5)), ("top-k 20", new(1.0, TopK: 20)),
    ("top-p 0.5", new(1.0, TopP: 0.5)), ("top-p 0.9", new(1.0, TopP: 0.9)), ("top-p 0.99", new(1.0, TopP: 0.99)),
};
foreach (var (name, options) in filters)
{
    filterRows.Add([name, Survivors(Sampler.Distribution(logits, options)), Survivors(Sampler.Distribution(logitsCertain, options))]);
}
Say($"Prompt A, \"{Visible(prompt)}\", leaves much open; prompt B, \"{Visible(certain)}\", nearly forces the next character. "
    + "How many of the 65 characters keep a probability above 0 after each filter (temperature 1):");
Table(["filter", "A: survivors", "B: survivors"], filterRows);
foreach (double topP in new[] { 0.5, 0.9, 0.99 })
{
    int a = Survivors(Sampler.Distribution(logits, new SamplingOptions(1.0, TopP: topP)));
    Check(a == NucleusByHand(logits, topP), $"top-p {G(topP)} on A keeps {a}: the fewest most likely characters whose probabilities reach {G(topP)}, counted here");
}
int a9 = Survivors(Sampler.Distribution(logits, new SamplingOptions(1.0, TopP: 0.9)));
int b9 = Survivors(Sampler.Distribution(logitsCertain, new SamplingOptions(1.0, TopP: 0.9)));
Check(b9 < a9, $"top-p adapts to the model's certainty: 0.9 keeps {a9} characters for A and {b9} for B; top-k keeps k for both");

// ---------------------------------------------------------------------------------------------------------
Section("3. Streaming: one token at a time");
Say("Generator.Generate returns a lazy sequence: each token is computed when the loop asks for it, so it can be printed "
    + "at once. The characters below were written to the console one by one as they were drawn:");
var counting = new CountingSource(cache);
var stream = Generator.Generate(counting, chars.Encode("JULIET:\n"), 120, new SamplingOptions(0.8), new Rng(3));
var streamed = new System.Text.StringBuilder("JULIET:\n");
int callsAtFirst = -1;
Console.Write("  JULIET:\n  ");
foreach (var token in stream)
{
    callsAtFirst = callsAtFirst < 0 ? counting.Calls : callsAtFirst;
    string piece = chars.Decode([token.Id]);
    streamed.Append(piece);
    Console.Write(piece == "\n" ? "\n  " : piece);
    Console.Out.Flush();
}
Console.WriteLine();
Check(callsAtFirst == 1 && counting.Calls == 120, $"when the first character arrived the model had run {callsAtFirst} time; after all 120, {counting.Calls} times");
var atOnce = Generator.Generate(cache, chars.Encode("JULIET:\n"), 120, new SamplingOptions(0.8), new Rng(3)).Select(t => t.Id).ToList();
Check(streamed.ToString() == "JULIET:\n" + chars.Decode(atOnce), "the streamed text equals the text generated in one go with the same seed");

// ---------------------------------------------------------------------------------------------------------
Section("4. The KV cache: the same text, faster");
string cpu = File.Exists("/proc/cpuinfo")
    ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown"
    : "unknown (no /proc/cpuinfo)";
// Greedy generation from one character up to a full window, so the cache never has to slide; with and without it.
List<GeneratedToken> Run(ILogitsSource source, int count) => Generator.Generate(source, [0], count, SamplingOptions.Greedy, new Rng(0)).ToList();
(double Uncached, double Cached) BestTimes(GptModel<float> timed, int count, int rounds)
{
    double bestUncached = double.MaxValue, bestCached = double.MaxValue;
    for (int round = 0; round < rounds; round++) // alternate the two and keep each one's best time: other work on the machine only adds
    {
        var clock = Stopwatch.StartNew();
        Run(new UncachedSource<float>(timed), count);
        bestUncached = Math.Min(bestUncached, clock.Elapsed.TotalSeconds);
        clock.Restart();
        Run(new KvCache<float>(timed), count);
        bestCached = Math.Min(bestCached, clock.Elapsed.TotalSeconds);
    }
    return (bestUncached, bestCached);
}

int n = blockSize - 1;
var uncachedTokens = Run(new UncachedSource<float>(model), n);
var cachedTokens = Run(new KvCache<float>(model), n);
double worst = uncachedTokens.Zip(cachedTokens).Max(pair => pair.First.Logits.Zip(pair.Second.Logits).Max(z => Math.Abs(z.First - z.Second)));
Check(uncachedTokens.Select(t => t.Id).SequenceEqual(cachedTokens.Select(t => t.Id)),
    $"with and without the cache, the same {n} characters (greedy); the logits differ by at most {G(worst)} (float rounding: the cache adds up in another order)");
Check(worst < 1e-3, $"the largest logit difference, {G(worst)}, is float rounding, not a different model");

// The speed does not depend on the weights, so a longer context is timed on a model of the same shape with random weights.
int longBlock = Quick ? 128 : 256, nLong = longBlock - 1;
var wide = new GptModel<float>(model.Config with { BlockSize = longBlock }, new Rng(1));
wide.Eval();
Check(Run(new UncachedSource<float>(wide), nLong).Select(t => t.Id).SequenceEqual(Run(new KvCache<float>(wide), nLong).Select(t => t.Id)),
    $"the same shape with a {longBlock}-character context (random weights): with and without the cache, the same {nLong} tokens");
int rounds = 3;
var atOwn = BestTimes(model, n, rounds);
var atLong = BestTimes(wide, nLong, rounds);
long Positions(int count) => Enumerable.Range(1, count).Sum(t => (long)t); // step t runs t positions without the cache, 1 with it
Table(["context", "source", "positions run", $"best of {rounds} (ms)", "tokens/s"],
[
    [$"{blockSize} (trained)", "UncachedSource", Positions(n), 1000 * atOwn.Uncached, n / atOwn.Uncached],
    [$"{blockSize} (trained)", "KvCache", n, 1000 * atOwn.Cached, n / atOwn.Cached],
    [$"{longBlock} (random)", "UncachedSource", Positions(nLong), 1000 * atLong.Uncached, nLong / atLong.Uncached],
    [$"{longBlock} (random)", "KvCache", nLong, 1000 * atLong.Cached, nLong / atLong.Cached],
]);
Say($"CPU: {cpu}, {Environment.ProcessorCount} logical cores (timings depend on whatever else the machine is doing). Generating a full window "
    + "from one token: without a cache step t runs the model over all t positions; with it, one new position per step.");
double speedUpOwn = atOwn.Uncached / atOwn.Cached, speedUpLong = atLong.Uncached / atLong.Cached;
Check(atLong.Cached < atLong.Uncached, $"the cache is faster: {speedUpLong:F2}× the tokens per second with a {longBlock}-character context");
// One position's arithmetic: 2 flops (a multiply and an add) per weight of the matrices it goes through, 12·C² per block
// (c_attn 3C², c_proj C², c_fc 4C², mlp.c_proj 4C²) and V·C for the logits; attention's own dot products are left out.
var c = model.Config;
double flopsPerPosition = 2.0 * (c.NLayer * 12.0 * c.NEmbd * c.NEmbd + c.VocabSize * c.NEmbd);
double gflopsUncached = Positions(n) * flopsPerPosition / atOwn.Uncached / 1e9, gflopsCached = n * flopsPerPosition / atOwn.Cached / 1e9;
Say($"With the trained model's own {blockSize} characters the cache gives {speedUpOwn:F2}×, far from the {(double)Positions(n) / n:F0}× fewer "
    + $"positions. A position needs about {flopsPerPosition / 1e6:F2} million flops (a multiply and an add per weight it passes); the uncached forward did them at "
    + $"{gflopsUncached:F1} GFLOP/s, the cache at {gflopsCached:F2} GFLOP/s. The uncached forward multiplies each weight matrix by many rows at "
    + "once (a weight loaded once serves every row, through SIMD on both cores); the cache multiplies by one row per step and pays a fixed "
    + "cost for each of its small operations. Without a cache the work grows with the square of the context, with it linearly: the longer "
    + "the context, the more the cache saves.");

// ---------------------------------------------------------------------------------------------------------
Section("5. The context window: what the model cannot see");
string corpus = File.ReadAllText(BabyGpt.Corpus);
int from = corpus.IndexOf("\n\n", (int)(corpus.Length * 0.95), StringComparison.Ordinal) + 2; // a speech in the validation text
int[] context = chars.Encode(corpus.Substring(from, blockSize + 20));
var window = new UncachedSource<float>(model);
double[] Probabilities(int[] ids) => Sampler.Distribution(window.NextLogits(ids), new SamplingOptions(1.0));
double[] baseline = Probabilities(context);
int space = chars.Encode(" ")[0], letterE = chars.Encode("e")[0];
Say($"A context of {context.Length} characters; the model sees only the last {blockSize}. Change one character d positions back "
    + "(a space becomes an 'e', anything else a space) and measure how far the next-character distribution moves, "
    + "by the total variation ½ Σ |p − p′| (0: the same distribution, 1: nothing in common):");
var distances = Enumerable.Range(1, blockSize + 16).ToArray();
var influence = new double[distances.Length];
bool outsideIdentical = true;
foreach (var (d, k) in distances.Select((d, k) => (d, k)))
{
    int[] changed = (int[])context.Clone();
    int at = context.Length - d;
    changed[at] = changed[at] == space ? letterE : space;
    if (d > blockSize)
    {
        outsideIdentical &= window.NextLogits(changed).SequenceEqual(window.NextLogits(context)); // bit for bit
    }
    influence[k] = 0.5 * Probabilities(changed).Zip(baseline).Sum(pq => Math.Abs(pq.First - pq.Second));
}
Table(["d (characters back)", "inside the window?", "total variation"],
    distances.Where(d => d <= 3 || Math.Abs(d - blockSize) <= 2 || d == distances[^1]).Select(d => (IReadOnlyList<object>)[d, d <= blockSize ? "yes" : "no", influence[d - 1]]));
Check(outsideIdentical && influence.Skip(blockSize).All(v => v == 0),
    $"a change {blockSize + 1} or more characters back leaves the logits identical, bit for bit");
Check(influence[blockSize - 1] > 0, $"a change exactly {blockSize} back (the oldest character the model sees) moves the distribution: total variation {G(influence[blockSize - 1])}");

var maps = AttentionMaps.Compute(model, context[^blockSize..]);
int lastQuery = blockSize - 1;
var rowSums = Enumerable.Range(0, maps.Layers).SelectMany(l => Enumerable.Range(0, maps.Heads).Select(h => Enumerable.Range(0, blockSize).Sum(s => maps.Weight(l, h, lastQuery, s)))).ToList();
double oldest = Enumerable.Range(0, maps.Layers).SelectMany(l => Enumerable.Range(0, maps.Heads).Select(h => maps.Weight(l, h, lastQuery, 0))).Min();
Check(rowSums.All(sum => Math.Abs(sum - 1) < 1e-5) && oldest > 0,
    $"the last position's attention sums to 1 over the {blockSize} visible characters in each of the {maps.Layers}×{maps.Heads} heads, "
    + $"and every head gives the oldest one a weight > 0 (at least {G(oldest)}): nothing is left for a character outside");

var influenceChart = new Chart("how much one changed character moves the next-character distribution", "d: how many characters back", "total variation")
    { LogY = true, Legend = Corner.TopRight, XRange = (0, distances[^1]) };
influenceChart.Line("total variation (0 beyond the window: not drawn on a log axis)", distances.Take(blockSize).Select(d => (double)d).ToArray(), influence.Take(blockSize).ToArray(), markers: true);
double lo = influence.Take(blockSize).Where(v => v > 0).Min();
influenceChart.Line($"the edge of the window, d = {blockSize}", [blockSize + 0.5, blockSize + 0.5], [lo / 10, 1], colour: "black", dashed: true);
influenceChart.Text(blockSize + 1, lo, "exactly 0");
// Keys exist only inside the window: beyond it there is nothing to attend to (a weight of 0, not drawn on a log axis).
var visible = distances.Where(d => d <= blockSize).ToArray();
var layerWeights = Enumerable.Range(0, maps.Layers)
    .Select(l => visible.Select(d => Enumerable.Range(0, maps.Heads).Average(h => maps.Weight(l, h, lastQuery, blockSize - d))).ToArray()).ToArray();
double lowest = layerWeights.Min(w => w.Min());
var attentionChart = new Chart("the last position's attention to the character d back (mean over heads)", "d: how many characters back", "attention weight")
    { XRange = (0, distances[^1]), Legend = Corner.BottomLeft, LogY = true, YRange = (Math.Pow(10, Math.Floor(Math.Log10(lowest)) - 2), 1) };
for (int l = 0; l < maps.Layers; l++)
{
    attentionChart.Line($"layer {l}", visible.Select(d => (double)d).ToArray(), layerWeights[l], colour: Colours.Series[l], width: 1.5);
}
attentionChart.Line($"the edge of the window, d = {blockSize}", [blockSize + 0.5, blockSize + 0.5], [lowest, 1], colour: "black", dashed: true);
attentionChart.Text(blockSize + 1, Math.Sqrt(lowest), "no key: 0");
Picture("context-window.svg", Figure.Grid([influenceChart.ToSvg(), attentionChart.ToSvg()], 1));

return Finish();

/// <summary>Counts how often the model is asked for logits.</summary>
sealed class CountingSource(ILogitsSource inner) : ILogitsSource
{
    public int Calls { get; private set; }

    public int VocabSize => inner.VocabSize;

    public int BlockSize => inner.BlockSize;

    public double[] NextLogits(IReadOnlyList<int> context)
    {
        Calls++;
        return inner.NextLogits(context);
    }
}
