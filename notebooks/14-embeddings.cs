#!/usr/bin/env dotnet
// Lesson 14 — Embeddings and similarity
//
// A model cannot compute with a token id; it computes with a vector. An embedding is a matrix E of shape
// (V, C): token i is its row eᵢ, and "looking up" a token is selecting that row (PyTorch's nn.Embedding,
// Nn/Modules/Embedding.cs). The rows start random and are learned like every other weight.
//
// Two vectors are similar when they point the same way:
//
//     a · b = Σⱼ aⱼ bⱼ                    cos(a, b) = a · b / (‖a‖ ‖b‖) ∈ [−1, 1]
//
// Word vectors learned from co-occurrence (word2vec's skip-gram with negative sampling): every word w has an
// input vector u_w and an output vector v_w. For a word c seen near a word o, and k words n₁…n_k drawn at
// random from the corpus (the "negatives"), the loss is
//
//     L = −log σ(u_c · v_o) − Σᵢ log σ(−u_c · v_nᵢ)
//
// so words that share neighbours get pushed towards the same context vectors, and end up with similar u.
// "a is to b as c is to ?" is then the word nearest to u_a − u_b + u_c.
//
// Library files to read beside it: Nn/Modules/Embedding.cs, Autograd/Ops/Var.Joining.cs (IndexSelect and
// its scatter-add backward), Nn/Losses/Losses.cs (BinaryCrossEntropyWithLogits), Nn/Optimizers/Adam.cs,
// Gpt/Inspection/EmbeddingSpace.cs (cosine, nearest, analogy), Gpt/Inspection/Pca.cs (the picture). With GPT-2's
// weights beside the repository (../shared/data/gpt2/model.safetensors, downloaded by the user), section 5 does the
// same on GPT-2's embedding, read with Nn/Checkpoints/Safetensors.cs and Gpt/Tokenizers/Gpt2Tokenizer.cs.
//
// It uses the trained character GPT of lesson 18 (notebooks/out/baby-gpt/) for section 1, training it first
// if lesson 18 has not run.
//
// Run:  dotnet run notebooks/14-embeddings.cs            (add --quick for the short version the tests run)
#:project ../Gpt/Scratch.Gpt.csproj
#:property PublishAot=false
#:include shared/Lesson.cs
#:include shared/BabyGpt.cs
using System.Diagnostics;
using System.Text.RegularExpressions;
using Scratch.Autograd;
using Scratch.Gpt.Inspection;
using Scratch.Gpt.Tokenizers;
using Scratch.Nn.Checkpoints;
using Scratch.Gpt.Plots;
using Scratch.Lessons;
using Scratch.Nn.Losses;
using Scratch.Nn.Modules;
using Scratch.Nn.Optimizers;
using Scratch.Tensors;
using static Scratch.Lessons.Lesson;

Start(args, "14", "embeddings and similarity");

// ---------------------------------------------------------------------------------------------------------
Section("1. A token is a row of the embedding matrix");
var (gpt, chars) = BabyGpt.LoadOrTrain();
var wte = gpt.TokenEmbedding.Value; // (V, C)
int idA = chars.Encode("a")[0], idE = chars.Encode("e")[0], idZ = chars.Encode("Z")[0];
Say($"The character GPT's token embedding wte has shape [{wte.Size(0)}, {wte.Size(1)}]: {wte.Size(0)} tokens, {wte.Size(1)} numbers each. "
    + $"'a' is token {idA}; the embedding layer's output for it is row {idA} of wte.");
var lookup = new Embedding<float>(wte.Size(0), wte.Size(1), new Rng(0)); // an embedding layer, given the model's table
lookup.Weight.Value.CopyFrom(wte);
var looked = lookup.Forward([idA], 1).Value.ToArray();
var row = wte.Slice(0, idA, idA + 1).ToArray();
Check(looked.SequenceEqual(row), $"Embedding.Forward([{idA}]) is exactly row {idA} of the matrix ({row.Length} numbers, first {G(row[0])})");
var charSpace = EmbeddingSpace.FromModel(gpt);
Table(["pair", "dot product", "cosine"],
[
    ["'a', 'e' (two vowels)", Dot(charSpace.Vector(idA), charSpace.Vector(idE)), charSpace.Cosine(idA, idE)],
    ["'a', 'Z'", Dot(charSpace.Vector(idA), charSpace.Vector(idZ)), charSpace.Cosine(idA, idZ)],
]);
var vowels = "aeiou".Select(c => chars.Encode(c.ToString())[0]).ToArray();
var consonants = "bcdfghklmnprstw".Select(c => chars.Encode(c.ToString())[0]).ToArray();
double vowelVowel = MeanCosine(charSpace, vowels.SelectMany(a => vowels.Where(b => b > a).Select(b => (a, b))));
double vowelConsonant = MeanCosine(charSpace, vowels.SelectMany(a => consonants.Select(b => (a, b))));
Say($"Mean cosine between two lowercase vowels: {G(vowelVowel)}; between a vowel and a consonant: {G(vowelConsonant)}. "
    + "Nobody told the model what a vowel is: characters that can stand in the same places got similar rows.");
Check(vowelVowel > vowelConsonant, "vowels are more alike to each other than to consonants in the trained embedding");

// ---------------------------------------------------------------------------------------------------------
Section("2. Word vectors from co-occurrence: skip-gram with negative sampling");
string text = File.ReadAllText(BabyGpt.Corpus).ToLowerInvariant();
string[] words = Regex.Matches(text, "[a-z]+(?:'[a-z]+)?").Select(m => m.Value).ToArray();
int V = Quick ? 600 : 2000, dim = Quick ? 24 : 48, window = 2, negatives = 5, batch = 512, steps = Quick ? 600 : 4000;
var counts = words.GroupBy(w => w).ToDictionary(g => g.Key, g => g.Count());
var vocab = counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(V).Select(p => p.Key).ToArray();
var index = vocab.Select((w, i) => (w, i)).ToDictionary(p => p.w, p => p.i);
int[] stream = words.Where(index.ContainsKey).Select(w => index[w]).ToArray();
Say($"tiny Shakespeare has {words.Length:N0} words, {counts.Count:N0} distinct. We keep the {V} most frequent "
    + $"({stream.Length:N0} occurrences, {100.0 * stream.Length / words.Length:F0}% of the text), give each {dim} numbers, "
    + $"and train on (word, neighbour within {window}) pairs with {negatives} negatives each, {batch} pairs a step, {steps} steps.");

// Negatives are drawn from the unigram distribution raised to 3/4 (word2vec's choice: rare words a bit more often).
double[] cumulative = new double[V];
double total = 0;
for (int i = 0; i < V; i++)
{
    total += Math.Pow(counts[vocab[i]], 0.75);
    cumulative[i] = total;
}
var rng = new Rng(14);
int DrawNegative() { int i = Array.BinarySearch(cumulative, rng.NextDouble() * total); return Math.Min(i < 0 ? ~i : i, V - 1); }

var wIn = new Var<float>(Tensor<float>.Normal(rng, 0f, 0.1f, V, dim), requiresGrad: true, name: "u (input vectors)");
var wOut = new Var<float>(Tensor<float>.Normal(rng, 0f, 0.1f, V, dim), requiresGrad: true, name: "v (output vectors)");
var optimizer = new Adam<float>([wIn, wOut], lr: 0.01);
var labels = new float[batch * (1 + negatives)];
for (int b = 0; b < batch; b++)
{
    labels[b * (1 + negatives)] = 1; // column 0: the real neighbour; columns 1…k: negatives
}
var target = new Var<float>(Tensor<float>.FromArray(labels, batch, 1 + negatives));
var centres = new int[batch];
var others = new int[batch * (1 + negatives)];
var lossCurve = new List<double>();
var clock = Stopwatch.StartNew();
for (int step = 0; step < steps; step++)
{
    for (int b = 0; b < batch; b++)
    {
        int position = window + rng.NextInt(stream.Length - 2 * window);
        int offset = rng.NextInt(2 * window) - window;
        offset += offset >= 0 ? 1 : 0; // one of −2, −1, +1, +2
        centres[b] = stream[position];
        others[b * (1 + negatives)] = stream[position + offset];
        for (int n = 1; n <= negatives; n++)
        {
            others[b * (1 + negatives) + n] = DrawNegative();
        }
    }
    var u = wIn.IndexSelect(0, centres).Reshape(batch, 1, dim);                        // (B, 1, C)
    var v = wOut.IndexSelect(0, others).Reshape(batch, 1 + negatives, dim);            // (B, 1+k, C)
    var logits = (u * v).Sum(2);                                                        // (B, 1+k): u_c · v_o and u_c · v_n
    var loss = Loss.BinaryCrossEntropyWithLogits(logits, target);                      // mean of −log σ(±u·v)
    optimizer.ZeroGrad();
    loss.Backward();
    optimizer.Step();
    lossCurve.Add(loss.Value.Item());
}
double seconds = clock.Elapsed.TotalSeconds;
double firstLoss = lossCurve.Take(20).Average(), lastLoss = lossCurve.TakeLast(Math.Min(200, steps / 5)).Average();
Say($"Training took {seconds:F1} s. Mean loss per (pair, label): {G(firstLoss)} over the first 20 steps (ln 2 = {G(Math.Log(2))} is a coin flip), "
    + $"{G(lastLoss)} over the last {Math.Min(200, steps / 5)}.");
Check(lastLoss < firstLoss - 0.1, "the skip-gram loss fell during training");
Picture("skipgram-loss.svg", new Chart("skip-gram training loss (mean of the last 25 steps)", "step", "loss per label (binary cross-entropy)")
    .Line(null, Enumerable.Range(0, steps).Select(i => (double)i).ToArray(), Smooth(lossCurve, 25)).HLine(Math.Log(2), "ln 2").ToSvg());

// Every vector shares a common direction (frequent words pull them all one way); cosines compare what is left
// once the mean vector is taken away, as word-vector papers do before measuring similarity.
var raw = Tensor<double>.FromArray(wIn.Value.ToArray().Select(x => (double)x).ToArray(), V, dim);
var table = raw - raw.Mean(0, keepDim: true);
var space = new EmbeddingSpace(table);

// ---------------------------------------------------------------------------------------------------------
Section("3. Nearest neighbours");
string[] probes = Quick ? ["king", "thou", "good", "night"] : ["king", "thou", "good", "night", "father", "love", "death", "sword"];
foreach (var word in probes.Where(index.ContainsKey))
{
    var near = space.Nearest(index[word], 6);
    Say($"{word,-8} → {string.Join(", ", near.Select(p => $"{vocab[p.Id]} {p.Similarity:F2}"))}");
}
Say("");
// Pairs a reader would call related, against pairs drawn at random: a claim about the whole space, not one word.
(string, string)[] related =
[
    ("thou", "thee"), ("thou", "you"), ("king", "queen"), ("lord", "lady"), ("father", "mother"), ("day", "night"),
    ("brother", "sister"), ("son", "daughter"), ("he", "she"), ("his", "her"), ("good", "noble"), ("heaven", "earth"),
    ("sir", "madam"), ("man", "woman"), ("love", "hate"), ("death", "life"),
];
var relatedIds = related.Where(p => index.ContainsKey(p.Item1) && index.ContainsKey(p.Item2)).Select(p => (index[p.Item1], index[p.Item2])).ToList();
var randomPairs = Enumerable.Range(0, 2000).Select(_ => (rng.NextInt(V), rng.NextInt(V))).Where(p => p.Item1 != p.Item2).ToList();
double relatedCos = MeanCosine(space, relatedIds), randomCos = MeanCosine(space, randomPairs);
var untrained = new EmbeddingSpace(Tensor<double>.Normal(new Rng(14), 0, 0.1, V, dim));
double relatedBefore = MeanCosine(untrained, relatedIds);
Table(["pairs", "how many", "mean cosine"],
[
    ["related (thou/thee, king/queen, day/night, …)", relatedIds.Count, relatedCos],
    ["random", randomPairs.Count, randomCos],
    ["related, before training", relatedIds.Count, relatedBefore],
]);
Check(relatedCos > randomCos + 0.1, $"related pairs are closer than random ones by {G(relatedCos - randomCos)} (> 0.1) in cosine");

// ---------------------------------------------------------------------------------------------------------
Section("4. Analogies: a − b + c");
(string A, string B, string C, string Expected)[] analogies =
[
    ("king", "man", "woman", "queen"), ("father", "man", "woman", "mother"), ("he", "him", "her", "she"),
    ("brother", "he", "she", "sister"), ("son", "father", "mother", "daughter"), ("thou", "thee", "you", "you"),
    ("lord", "he", "she", "lady"), ("day", "light", "dark", "night"),
];
var analogyRows = new List<object[]>();
int topTen = 0, tried = 0;
foreach (var (a, b, c, expected) in analogies)
{
    if (!new[] { a, b, c, expected }.All(index.ContainsKey) || expected == c)
    {
        continue;
    }
    tried++;
    var ranked = space.Analogy(index[a], index[b], index[c], V);
    int rank = 1 + ranked.Select((p, i) => (p.Id, i)).First(p => p.Id == index[expected]).i;
    topTen += rank <= 10 ? 1 : 0;
    analogyRows.Add([$"{a} − {b} + {c}", string.Join(", ", ranked.Take(3).Select(p => vocab[p.Id])), expected, rank]);
}
Table(["a − b + c", "nearest three", "hoped for", "its rank"], analogyRows);
Say($"{topTen} of {tried} analogies put the hoped-for word in the top 10 of {V - 3} candidates. That is the honest result on a million "
    + "characters: word2vec's famous king − man + woman ≈ queen was learned from billions of words. What this small corpus "
    + "does teach is the neighbourhoods of section 3.");
double meanRank = analogyRows.Average(r => (int)r[3]);
Check(meanRank < (V - 3) / 2.0, $"the hoped-for words rank {G(meanRank)} on average, better than the {G((V - 3) / 2.0)} of a random guess: a weak signal, but a signal");

// The picture: the vectors of some words projected on their two main directions.
string[] shown = ["king", "queen", "lord", "lady", "duke", "prince", "father", "mother", "son", "brother", "thou", "thee", "you",
    "he", "she", "him", "her", "day", "night", "love", "death", "good", "sweet", "noble", "heaven"];
var shownIds = shown.Where(index.ContainsKey).Select(w => index[w]).ToArray();
var points = table.IndexSelect(0, shownIds);
var pca = Pca.Fit(points, 2, new Rng(0));
var xy = pca.Project(points);
double share1 = pca.Variances[0] / TotalVariance(points), share2 = pca.Variances[1] / TotalVariance(points);
Picture("words-pca.svg", new Chart($"skip-gram word vectors, first two principal components ({share1:P0} and {share2:P0} of the variance)",
        "component 1", "component 2")
    .Points(null, Enumerable.Range(0, shownIds.Length).Select(i => xy[i, 0]).ToArray(), Enumerable.Range(0, shownIds.Length).Select(i => xy[i, 1]).ToArray(),
        labels: shownIds.Select(i => vocab[i]).ToArray()).ToSvg());

// ---------------------------------------------------------------------------------------------------------
Section("5. The same on GPT-2's embedding, if its weights are here");
// GPT-2's weights are not part of Scratch: a user downloads model.safetensors from Hugging Face's gpt2 model
// repository and puts it in ../shared/data/gpt2/ (or names its folder in SCRATCH_GPT2_DIR).
string gpt2Folder = Environment.GetEnvironmentVariable("SCRATCH_GPT2_DIR") ?? Data("gpt2");
string weights = Path.Combine(gpt2Folder, "model.safetensors");
if (!File.Exists(weights) || !File.Exists(Path.Combine(Data("gpt2"), "encoder.json")))
{
    Say($"Skipped: no GPT-2 weights at {weights}. With them this section finds the nearest tokens and a − b + c on GPT-2's "
        + "50,257 × 768 token embedding, the same way as above.");
    return Finish();
}
var state = Safetensors.Load<float>(weights).Tensors;
string wteName = state.Contains("wte.weight") ? "wte.weight" : "transformer.wte.weight"; // Hugging Face drops "transformer."
var gpt2Wte = state[wteName];                                                           // (50257, 768)
var gpt2Space = new EmbeddingSpace(Tensor<double>.FromArray(gpt2Wte.ToArray().Select(x => (double)x).ToArray(), gpt2Wte.Size(0), gpt2Wte.Size(1)));
var gpt2 = Gpt2Tokenizer.FromDirectory(Data("gpt2"));
int Token(string word) => gpt2.Encode(" " + word) is [int id] ? id : -1; // a word with its leading space, when it is one token
Say($"GPT-2's token embedding: [{gpt2Wte.Size(0)}, {gpt2Wte.Size(1)}], from {weights}.");
foreach (var word in new[] { "king", "Paris", "good", "night" }.Where(w => Token(w) >= 0))
{
    var near = gpt2Space.Nearest(Token(word), 6);
    Say($"{word,-8} → {string.Join(", ", near.Select(p => $"{gpt2.Decode([p.Id]).Trim()} {p.Similarity:F2}"))}");
}
var gpt2Rows = new List<object[]>();
foreach (var (a, b, c, expected) in analogies.Where(q => q.Expected != q.C && new[] { q.A, q.B, q.C, q.Expected }.All(w => Token(w) >= 0)))
{
    var ranked = gpt2Space.Analogy(Token(a), Token(b), Token(c), gpt2Wte.Size(0));
    int rank = 1 + ranked.Select((p, i) => (p.Id, i)).First(p => p.Id == Token(expected)).i;
    gpt2Rows.Add([$"{a} − {b} + {c}", string.Join(", ", ranked.Take(3).Select(p => gpt2.Decode([p.Id]).Trim())), expected, rank]);
}
Table(["a − b + c", "nearest three", "hoped for", "its rank"], gpt2Rows);
Check(gpt2Rows.Count > 0, $"GPT-2's embedding answered {gpt2Rows.Count} analogies");

return Finish();

static double Dot(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum();

static double MeanCosine(EmbeddingSpace s, IEnumerable<(int, int)> pairs) => pairs.Select(p => s.Cosine(p.Item1, p.Item2)).Average();

static double[] Smooth(IReadOnlyList<double> xs, int k) =>
    Enumerable.Range(0, xs.Count).Select(i => xs.Skip(Math.Max(0, i - k + 1)).Take(Math.Min(k, i + 1)).Average()).ToArray();

static double TotalVariance(Tensor<double> x)
{
    var data = x.ToArray();
    int n = x.Size(0), c = x.Size(1);
    double sum = 0;
    for (int j = 0; j < c; j++)
    {
        double mean = Enumerable.Range(0, n).Average(i => data[i * c + j]);
        sum += Enumerable.Range(0, n).Sum(i => (data[i * c + j] - mean) * (data[i * c + j] - mean)) / (n - 1);
    }
    return sum;
}
