#!/usr/bin/env dotnet
// Lesson 08 — Softmax and the losses
//
// A classifier outputs one score (logit) zᵢ per class; softmax turns them into probabilities, sharper or
// flatter with a temperature T:
//
//     pᵢ = exp(zᵢ/T) / Σⱼ exp(zⱼ/T)            H(p) = −Σᵢ pᵢ log pᵢ   (entropy, in nats; log n when uniform)
//
// Cross-entropy for the right class y is CE = −log p_y. Written in the logits,
//
//     CE = −z_y + log Σⱼ exp(zⱼ)
//     ∂CE/∂zᵢ = −[i = y] + exp(zᵢ) / Σⱼ exp(zⱼ) = pᵢ − [i = y]           ∂CE/∂z = softmax(z) − onehot(y)
//
// so the gradient is "what the model said minus what was true", never smaller than 1 − p_y on the right
// class. Mean squared error through softmax, Σᵢ (pᵢ − [i = y])², must pass back through softmax's Jacobian
// ∂pⱼ/∂zᵢ = pⱼ·([i = j] − pᵢ), which goes to 0 as p saturates: a confidently wrong model gets almost no
// signal from it.
//
// Computing log(exp(z)/Σ exp(z)) literally overflows (exp(100) is +∞ in float32) and then gives ∞/∞ = NaN;
// even a max-subtracted softmax underflows to 0 for a very unlikely class, and log 0 = −∞. The log-sum-exp
// form never exponentiates anything above 0: log softmax(z)ᵢ = zᵢ − m − log Σⱼ exp(zⱼ − m), m = maxⱼ zⱼ.
// Anomaly mode finds the first op that produced a NaN or ±∞.
//
// Library files to read beside it: Autograd/Ops/Var.Softmax.cs (Softmax, LogSoftmax), Tensors/Tensor.Softmax.cs,
// Autograd/Ops/Var.CrossEntropy.cs (the fused, stable loss and its p − onehot backward), Nn/Losses/Losses.cs (Mse),
// Autograd/GradMode.cs (DetectAnomaly), Autograd/Anomaly.cs (what it checks and how it names the op).
//
// Run:  dotnet run notebooks/08-softmax-and-losses.cs            (add --quick for the short version the tests run)
#:project ../Gpt/Scratch.Gpt.csproj
#:property PublishAot=false
#:include shared/Lesson.cs
using Scratch.Autograd;
using Scratch.Gpt.Plots;
using Scratch.Lessons;
using Scratch.Nn.Losses;
using Scratch.Tensors;
using static Scratch.Lessons.Lesson;

Start(args, "08", "softmax and the losses");

// ---------------------------------------------------------------------------------------------------------
Section("1. Softmax and temperature");
double[] logits = [2.0, 1.0, 0.1, -1.0];
var z = Tensor<double>.FromArray(logits, 1, 4); // (1, 4): one row of four class scores
static double Entropy(double[] p) => -p.Where(v => v > 0).Sum(v => v * Math.Log(v));
double[] temperatures = [0.5, 1, 2];
var probs = temperatures.ToDictionary(t => t, t => (z / t).Softmax(-1).ToArray());
Say($"Logits z = [{string.Join(", ", logits)}] for four classes. Dividing by T before softmax: T < 1 sharpens, T > 1 flattens.");
Table(["T", "p₀", "p₁", "p₂", "p₃", "Σ p", "entropy (nats)"],
    temperatures.Select(t => (IReadOnlyList<object>)[t, probs[t][0], probs[t][1], probs[t][2], probs[t][3], probs[t].Sum(), Entropy(probs[t])]));
Check(temperatures.All(t => Math.Abs(probs[t].Sum() - 1) < 1e-14), "every row sums to 1");
Check(Entropy(probs[0.5]) < Entropy(probs[1]) && Entropy(probs[1]) < Entropy(probs[2]),
    $"entropy rises with T: {G(Entropy(probs[0.5]))} < {G(Entropy(probs[1]))} < {G(Entropy(probs[2]))} (uniform would be log 4 = {G(Math.Log(4))})");
Close(probs[2][0] / probs[2][1], Math.Exp((logits[0] - logits[1]) / 2), 1e-12, "p₀/p₁ at T = 2 is exp((z₀ − z₁)/T): only differences of logits matter");
var shifted = (z + 1000.0).Softmax(-1).ToArray();
Close(shifted.Zip(probs[1]).Max(q => Math.Abs(q.First - q.Second)), 0, 1e-12,
    "softmax(z + 1000) = softmax(z), up to the rounding of z + 1000 (max |difference|): the fact the stable forms use");

int curvePoints = Quick ? 25 : 81;
double[] ts = [.. Enumerable.Range(0, curvePoints).Select(i => Math.Pow(10, -1.5 + 3.0 * i / (curvePoints - 1)))]; // 0.03 … 30
double[] entropies = [.. ts.Select(t => Entropy((z / t).Softmax(-1).ToArray()))];
var bars = new BarChart("softmax(z / T) for z = [2, 1, 0.1, −1]", "probability")
    { Width = 520, ValueFormat = v => v.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) }
    .Categories(["class 0", "class 1", "class 2", "class 3"]);
foreach (double t in temperatures)
{
    bars.Group($"T = {t}", probs[t]);
}
var entropyChart = new Chart("entropy of softmax(z / T)", "temperature T", "entropy (nats)") { LogX = true, Width = 520, Legend = Corner.BottomRight, YRange = (0, 1.5) };
entropyChart.Line("H(softmax(z / T))", ts, entropies, colour: Colours.Series[4]);
entropyChart.HLine(Math.Log(4), "log 4: uniform");
entropyChart.Points("T = 0.5, 1, 2", temperatures, [.. temperatures.Select(t => Entropy(probs[t]))], colour: "black", radius: 4);
Picture("temperature.svg", Figure.Grid([bars.ToSvg(), entropyChart.ToSvg()], 2));
Check(entropies[0] < 0.01 && Math.Log(4) - entropies[^1] < 0.01,
    $"at T = {G(ts[0])} softmax is almost one-hot (entropy {G(entropies[0])}); at T = {G(ts[^1])} almost uniform ({G(entropies[^1])})");

// ---------------------------------------------------------------------------------------------------------
Section("2. ∂CE/∂logits = softmax − one-hot");
int[] targets = [0, 3, 1];
var batchLogits = Tensor<double>.Randn(new Rng(8), 3, 4) * 2.0; // (N, V) = (3, 4)
var zv = new Var<double>(batchLogits, requiresGrad: true, name: "z");
var ce = Var<double>.CrossEntropy(zv, targets); // mean over the N = 3 rows
ce.Backward();
var p = batchLogits.Softmax(-1);
var oneHot = Tensor<double>.Zeros(3, 4);
for (int n = 0; n < 3; n++)
{
    oneHot[n, targets[n]] = 1;
}
var byFormula = (p - oneHot) / 3.0; // the mean over N rows divides each row's gradient by N
Say("Three rows of random logits with targets [0, 3, 1]. The loss is the mean over the rows, so each row's gradient "
    + "(p − onehot) is divided by N = 3. Row 1, target 3:");
Table(["class", "p", "onehot", "(p − onehot) / 3", "Backward()"],
    Enumerable.Range(0, 4).Select(i => (IReadOnlyList<object>)[i, p[1, i], oneHot[1, i], byFormula[1, i], zv.Grad![1, i]]));
Close(MaxAbs(zv.Grad! - byFormula), 0, 1e-15, "max |Backward() − (softmax − onehot)/N| over the whole batch");
var composite = new Var<double>(batchLogits, requiresGrad: true, name: "z");
var logP = composite.LogSoftmax(-1); // (N, V)
var picked = Var<double>.Concat([.. Enumerable.Range(0, 3).Select(n => logP.Slice(0, n, n + 1).IndexSelect(1, [targets[n]]))], 0);
var ceComposite = picked.Mean().Neg(); // −(1/N) Σₙ log pₙ[yₙ], from LogSoftmax, IndexSelect and Mean
ceComposite.Backward();
Close(ceComposite.Value.Item(), ce.Value.Item(), 1e-14, "the fused CrossEntropy equals −mean(log_softmax picked at the targets)");
Close(MaxAbs(composite.Grad! - zv.Grad!), 0, 1e-15, "and their gradients agree (max |difference|)");
var gradCheck = GradCheck.Run(v => Var<double>.CrossEntropy(v[0], targets), [batchLogits]);
Console.WriteLine($"  {gradCheck}");
Check(gradCheck.Passed(1e-6), "GradCheck agrees with CrossEntropy's backward");
Close(zv.Grad!.Sum(1).Abs().Max().Item(), 0, 1e-16, "each row of the gradient sums to 0 (Σ p = 1 = Σ onehot): raising every logit changes nothing");

// ---------------------------------------------------------------------------------------------------------
Section("3. Cross-entropy against squared error when the model is confidently wrong");
Say("Three classes, the right one is 0, and the model's logits are [0, s, 0]: as s grows it is more and more sure of "
    + "class 1. The gradient each loss sends to the logits (its length ‖∂L/∂z‖):");
double[] margins = Quick ? [0, 1, 2, 3, 4, 6, 8, 10] : [.. Enumerable.Range(0, 41).Select(i => i * 0.25)];
var rows = new List<object[]>();
var ceNorms = new List<double>();
var mseNorms = new List<double>();
foreach (double sv in margins)
{
    var zc = new Var<double>(Tensor<double>.FromArray([0.0, sv, 0.0], 1, 3), requiresGrad: true);
    var lossCe = Var<double>.CrossEntropy(zc, [0]);
    lossCe.Backward();
    double ceNorm = Norm(zc.Grad!);
    var zm = new Var<double>(Tensor<double>.FromArray([0.0, sv, 0.0], 1, 3), requiresGrad: true);
    var target = new Var<double>(Tensor<double>.FromArray([1.0, 0.0, 0.0], 1, 3));
    var lossMse = Loss.Mse(zm.Softmax(-1), target); // (1/3) Σ (pᵢ − yᵢ)²
    lossMse.Backward();
    double mseNorm = Norm(zm.Grad!);
    ceNorms.Add(ceNorm);
    mseNorms.Add(mseNorm);
    if (sv % 2 == 0)
    {
        rows.Add([sv, zc.Value.Softmax(-1)[0, 0], lossCe.Value.Item(), ceNorm, lossMse.Value.Item(), mseNorm]);
    }
}
Table(["s", "p(right class)", "CE", "‖∂CE/∂z‖", "MSE", "‖∂MSE/∂z‖"], rows);
int last = margins.Length - 1, peak = mseNorms.IndexOf(mseNorms.Max());
Check(ceNorms.Zip(ceNorms.Skip(1)).All(q => q.Second >= q.First), "CE's gradient grows as the model becomes more wrong");
Close(ceNorms[last], Math.Sqrt(2), 1e-3, $"at s = {margins[last]} it is almost ‖[−1, 1, 0]‖ = √2: p − onehot with p ≈ [0, 1, 0]");
Check(peak < last && mseNorms[last] < mseNorms[peak] / 100,
    $"MSE's gradient is largest at s = {margins[peak]} ({G(mseNorms[peak])}) and fades to {G(mseNorms[last])} at s = {margins[last]}");
Say($"At s = {margins[last]} cross-entropy pushes {G(ceNorms[last] / mseNorms[last])} times harder than squared error. "
    + "The more wrong the model, the less MSE-through-softmax tells it: its factor ∂p/∂z = diag(p) − ppᵀ is nearly 0 "
    + "once p is nearly one-hot. In CE the log cancels the exp, and that factor never appears.");
var gradients = new Chart("gradient reaching the logits, model sure of the wrong class", "s (logit of the wrong class)", "‖∂L/∂z‖")
    { LogY = true, Legend = Corner.BottomLeft, YRange = (1e-5, 10) };
gradients.Line("cross-entropy", margins, ceNorms, colour: Colours.Series[0], markers: Quick);
gradients.Line("squared error through softmax", margins, mseNorms, colour: Colours.Series[1], markers: Quick);
Picture("confidently-wrong.svg", gradients.ToSvg());

// ---------------------------------------------------------------------------------------------------------
Section("4. The naive log(softmax) overflows; anomaly mode names the op; log-sum-exp does not");
float[] big = [100f, 10f, -5f];
Say($"Now float32 logits [{string.Join(", ", big)}], as a confident model might produce. exp overflows float32 above "
    + $"z = log(float.MaxValue) = {G(MathF.Log(float.MaxValue))} (float64: {G(Math.Log(double.MaxValue))}).");
Var<float> Logits() => new(Tensor<float>.FromArray(big, 1, 3), requiresGrad: true, name: "logits");

// (a) The formula as written: p = exp(z) / Σ exp(z), loss = −log p[y], with y = 0, the class the model is right about.
Var<float> NaiveLoss(Var<float> x, int y)
{
    var e = x.Exp();                          // exp(100) = +∞ in float32
    var pNaive = e / e.Sum(1, keepDim: true); // ∞/∞ = NaN
    return pNaive.Log().IndexSelect(1, [y]).Neg().Sum();
}
var naiveLogits = Logits();
var naive = NaiveLoss(naiveLogits, 0);
naive.Backward();
Say($"(a) exp(z) / Σ exp(z), then −log p₀: loss = {naive.Value.Item()}, gradient [{string.Join(", ", naiveLogits.Grad!.ToArray())}], "
    + "although the model is right.");
Check(float.IsNaN(naive.Value.Item()), "the naive loss is NaN");
string? message = AnomalyMessage(() => NaiveLoss(Logits(), 0).Backward());
Console.WriteLine($"  anomaly mode: {message}");
Check(message is not null && message.StartsWith("anomaly: exp produced +Inf"), "anomaly mode stops at the first bad op and names it: exp, producing +Inf");

// (b) A max-subtracted softmax, then log: no overflow, but a very unlikely class underflows to probability 0.
Var<float> SoftmaxThenLog(Var<float> x, int y) => x.Softmax(1).Log().IndexSelect(1, [y]).Neg().Sum();
var underLogits = Logits();
var under = SoftmaxThenLog(underLogits, 2);
under.Backward();
Say($"(b) Softmax (which subtracts the max first), then −log p₂ for target 2, the class the model thinks least likely: "
    + $"p₂ = exp(−105) underflows to {underLogits.Value.Softmax(1)[0, 2]}, loss = {under.Value.Item()}, gradient "
    + $"[{string.Join(", ", underLogits.Grad!.ToArray())}].");
Check(float.IsPositiveInfinity(under.Value.Item()) && underLogits.Grad!.ToArray().Any(float.IsNaN), "the loss is +∞ and the gradient holds NaN (0 · ∞ in softmax's backward)");
string? message2 = AnomalyMessage(() => SoftmaxThenLog(Logits(), 2).Backward());
Console.WriteLine($"  anomaly mode: {message2}");
Check(message2 is not null && message2.StartsWith("anomaly: log produced -Inf"), "anomaly mode names log, producing −Inf");

// (c) The log-sum-exp forms: LogSoftmax, and CrossEntropy fused with it. The reference is computed in float64.
double m = big.Max(), lse = m + Math.Log(big.Sum(v => Math.Exp(v - m))); // log Σ exp(z) = m + log Σ exp(z − m)
var stableRows = new List<object[]>();
bool allMatch = true, noAnomaly = true, gradientsRight = true;
foreach (var (name, loss) in new (string, Func<Var<float>, int, Var<float>>)[]
{
    ("−LogSoftmax, picked", (x, y) => x.LogSoftmax(1).IndexSelect(1, [y]).Neg().Sum()),
    ("CrossEntropy", (x, y) => Var<float>.CrossEntropy(x, [y])),
})
{
    foreach (int y in new[] { 0, 2 })
    {
        var x = Logits();
        Var<float>? result = null;
        string? anomaly = AnomalyMessage(() => (result = loss(x, y)).Backward());
        double value = result!.Value.Item(), expected = lse - big[y];
        double[] grad = [.. x.Grad!.ToArray().Select(v => (double)v)];
        double[] softmaxMinusOneHot = [.. big.Select((v, i) => Math.Exp(v - lse) - (i == y ? 1 : 0))];
        allMatch &= Math.Abs(value - expected) <= 1e-6 * Math.Max(1, expected);
        noAnomaly &= anomaly is null;
        gradientsRight &= grad.Zip(softmaxMinusOneHot).All(q => double.IsFinite(q.First) && Math.Abs(q.First - q.Second) < 1e-6);
        stableRows.Add([name, y, value, expected, anomaly ?? "none", $"[{string.Join(", ", grad.Select(G))}]"]);
    }
}
Say("(c) The log-sum-exp forms, under anomaly mode, for both targets:");
Table(["form", "target", "loss", "log Σ exp(z) − z_y (float64)", "anomaly", "gradient"], stableRows);
Check(noAnomaly, "neither LogSoftmax nor CrossEntropy makes a NaN or ±∞, forward or backward");
Check(allMatch, "their losses equal log Σ exp(z) − z_y (to 1e-6): 0 for the right class, 105 for the wrong one");
Check(gradientsRight, "their gradients are finite and equal softmax(z) − onehot(y)");

return Finish();

static double Norm(Tensor<double> t) => Math.Sqrt((t * t).Sum().Item());

static double MaxAbs(Tensor<double> t) => t.Abs().Max().Item();

// Runs f in anomaly mode; returns the AnomalyException's message, or null when nothing was non-finite.
static string? AnomalyMessage(Action f)
{
    try
    {
        using var _ = GradMode.DetectAnomaly();
        f();
        return null;
    }
    catch (AnomalyException e)
    {
        return e.Message;
    }
}
