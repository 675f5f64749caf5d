#!/usr/bin/env dotnet
// Lesson 10 — Regularisation: L2, L1, and L1's exact zeros
//
// A model with as many weights as data points can pass through every point, noise included, and then predicts
// new points badly: it over-fits. A penalty on the size of the weights, added to the loss, pulls it back:
//
//     L2 (ridge, weight decay):  L + λ·Σ w²       ∂/∂w adds 2λ·w         every weight shrinks in proportion to its size
//     L1 (lasso):                L + λ·Σ |w|      ∂/∂w adds λ·sign(w)    every weight is pulled towards 0 by the same amount
//
// L1 is famous for setting weights exactly to 0. Gradient descent with the subgradient λ·sign(w) does not: a
// weight near 0 hops across it and back. The proximal step does, applied to the weights after each gradient step:
//
//     w ← sign(w)·max(|w| − η·λ, 0)        (soft thresholding: the exact minimiser of ½(v − w)² + η·λ·|v|)
//
// Library files to read beside it: Nn/Optimizers/Regularization.cs (AddL2, AddL1, ProximalL1), Nn/Optimizers/Sgd.cs,
// Nn/Modules/Linear.cs, Nn/Losses/Losses.cs (Loss.Mse).
//
// Run:  dotnet run notebooks/10-regularization.cs            (add --quick for the short version the tests run)
#:project ../Gpt/Scratch.Gpt.csproj
#:property PublishAot=false
#:include shared/Lesson.cs
using Scratch.Autograd;
using Scratch.Gpt.Plots;
using Scratch.Lessons;
using Scratch.Nn.Losses;
using Scratch.Nn.Modules;
using Scratch.Nn.Optimizers;
using Scratch.Tensors;
using static Scratch.Lessons.Lesson;

Start(args, "10", "regularisation");

// ---------------------------------------------------------------------------------------------------------
Section("1. Few noisy points, many features");
const int D = 12, trainCount = 12, valCount = 200;
const double noise = 0.2;
var rng = new Rng(10);
static double Truth(double x) => Math.Sin(Math.PI * x);
// Legendre polynomials P₁ … P_D: P₀ = 1, P₁ = x, (k + 1)·P_{k+1} = (2k + 1)·x·P_k − k·P_{k−1}.
static double[] Legendre(double x)
{
    var p = new double[D + 1];
    p[0] = 1;
    p[1] = x;
    for (int k = 1; k < D; k++)
    {
        p[k + 1] = ((2 * k + 1) * x * p[k] - k * p[k - 1]) / (k + 1);
    }
    return p[1..]; // P₀ is the bias's job
}
(double[] X, double[] Y, Var<double> Features, Var<double> Targets) Sample(int n)
{
    double[] xs = new double[n], ys = new double[n], features = new double[n * D];
    for (int i = 0; i < n; i++)
    {
        xs[i] = -1 + 2 * rng.NextDouble();
        ys[i] = Truth(xs[i]) + noise * rng.NextNormal();
        Legendre(xs[i]).CopyTo(features, i * D);
    }
    return (xs, ys, new Var<double>(Tensor<double>.FromArray(features, n, D)), new Var<double>(Tensor<double>.FromArray(ys, n, 1)));
}
var train = Sample(trainCount);
var val = Sample(valCount);
Say($"Synthetic data: {trainCount} training points and {valCount} validation points, x uniform in [−1, 1], y = sin(πx) plus "
    + $"Gaussian noise of standard deviation {noise}. The model is linear in {D} features, the Legendre polynomials "
    + $"P₁(x) … P₁₂(x), plus a bias: {D + 1} parameters for {trainCount} points, enough to pass through all of them.");
double CosineOfColumns(Func<double, double> f, Func<double, double> g) =>
    val.X.Sum(x => f(x) * g(x)) / Math.Sqrt(val.X.Sum(x => f(x) * f(x)) * val.X.Sum(x => g(x) * g(x)));
double powersCosine = CosineOfColumns(x => Math.Pow(x, 10), x => Math.Pow(x, 12));
double legendreCosine = CosineOfColumns(x => Legendre(x)[9], x => Legendre(x)[11]);
Say($"Why Legendre and not x, x², …, x¹²: they give the same polynomials, but x¹⁰ and x¹² are nearly the same column "
    + $"(cosine {G(powersCosine)} over the validation x's), which makes gradient descent crawl (lesson 06); P₁₀ and P₁₂ are "
    + $"orthogonal on [−1, 1] (cosine here {G(legendreCosine)}).");
Check(Math.Abs(legendreCosine) < 0.3 && powersCosine > 0.95, "the Legendre columns are far closer to orthogonal than the powers");

// ---------------------------------------------------------------------------------------------------------
Section("2. Training without a penalty, with L2, and with L1 two ways");
int steps = Quick ? 3000 : 20000;
const double lr = 0.5, lambdaL2 = 0.003, lambdaL1 = 0.01;
int[] checkpoints = Enumerable.Range(0, 60).Select(k => (int)Math.Round(Math.Pow(steps, k / 59.0))).Distinct().ToArray();
const int window = 20;
var subgradientLastSteps = new List<double[]>(); // the subgradient run's weights after each of its last 20 steps
var runs = new List<(string Name, double[] W, double B, double Train, double Val, double[] TrainCurve, double[] ValCurve)>();
foreach (string name in new[] { "no penalty", $"L2, λ = {lambdaL2}", $"L1 subgradient, λ = {lambdaL1}", $"L1 proximal, λ = {lambdaL1}" })
{
    var model = new Linear<double>(D, 1, new Rng(1));
    model.Weight.Value.Fill(0); // every run starts from the zero polynomial
    model.Bias!.Value.Fill(0);
    var sgd = new Sgd<double>(model.Parameters(), lr); // plain gradient descent on all 12 points
    var (trainCurve, valCurve) = (new List<double>(), new List<double>());
    for (int t = 1; t <= steps; t++)
    {
        sgd.ZeroGrad();
        Loss.Mse(model.Forward(train.Features), train.Targets).Backward();
        if (name.StartsWith("L2"))
        {
            Regularization.AddL2([model.Weight], lambdaL2); // grad += 2λ·w (the bias is not penalised)
        }
        else if (name.StartsWith("L1 subgradient"))
        {
            Regularization.AddL1([model.Weight], lambdaL1); // grad += λ·sign(w)
        }
        sgd.Step();
        if (name.StartsWith("L1 proximal"))
        {
            Regularization.ProximalL1([model.Weight], lr * lambdaL1); // w ← sign(w)·max(|w| − η·λ, 0)
        }
        if (t > steps - window && name.StartsWith("L1 subgradient"))
        {
            subgradientLastSteps.Add(model.Weight.Value.ToArray());
        }
        if (checkpoints.Contains(t))
        {
            trainCurve.Add(Loss.Mse(model.Forward(train.Features), train.Targets).Value.Item());
            valCurve.Add(Loss.Mse(model.Forward(val.Features), val.Targets).Value.Item());
        }
    }
    runs.Add((name, model.Weight.Value.ToArray(), model.Bias.Value.Item(), trainCurve[^1], valCurve[^1], [.. trainCurve], [.. valCurve]));
}
Say($"Each run: {steps} steps of gradient descent (Nn's Sgd, η = {lr}) on the mean squared error over the {trainCount} training "
    + "points, from all weights 0; the penalties apply to the 12 weights, not the bias. L2 and subgradient L1 add their "
    + "gradient with AddL2/AddL1 after Backward(); proximal L1 soft-thresholds the weights with ProximalL1 after each Step().");
Table(["run", "train MSE", "val MSE", "val − train", "‖w‖₂", "‖w‖₁", "weights exactly 0", "|w| < 0.001"],
    runs.Select(r => (IReadOnlyList<object>)[r.Name, r.Train, r.Val, r.Val - r.Train, Norm2(r.W), r.W.Sum(Math.Abs), r.W.Count(w => w == 0), r.W.Count(w => Math.Abs(w) < 1e-3)]));
var (none, l2, l1Sub, l1Prox) = (runs[0], runs[1], runs[2], runs[3]);
Check(none.Val > 10 * none.Train, $"without a penalty the model over-fits: val MSE {G(none.Val)} is {G(none.Val / none.Train)} times the train MSE");
Check(l2.Val < none.Val / 2 && l1Prox.Val < none.Val / 2, $"both penalties at least halve the validation error (L2 {G(l2.Val)}, L1 {G(l1Prox.Val)}, none {G(none.Val)})");
Check(Norm2(l2.W) < Norm2(none.W), $"L2 shrinks the weights: ‖w‖₂ = {G(Norm2(l2.W))} against {G(Norm2(none.W))}");
Say($"Noise alone gives a validation MSE of about σ² = {G(noise * noise)}; the best runs come near it. Without a penalty the "
    + "validation error keeps growing as training goes on (the picture curves.svg): the weights keep moving along the flat "
    + "directions of the loss, fitting the noise ever more closely. Stopping early is itself a kind of regularisation.");
Check(none.ValCurve[^1] > none.ValCurve.Min() * 1.5, $"the unpenalised run's validation error rose from its best {G(none.ValCurve.Min())} to {G(none.ValCurve[^1])}");

// ---------------------------------------------------------------------------------------------------------
Section("3. L1's zeros: subgradient against proximal");
Table(["feature", .. runs.Select(r => r.Name)], Enumerable.Range(0, D).Select(k => (IReadOnlyList<object>)[$"P{k + 1}", .. runs.Select(r => (object)r.W[k])]));
int subZeros = l1Sub.W.Count(w => w == 0), proxZeros = l1Prox.W.Count(w => w == 0);
var zeroed = Enumerable.Range(0, D).Where(k => l1Prox.W[k] == 0).ToArray();
var hopping = Enumerable.Range(0, D).Where(k => Math.Abs(l1Sub.W[k]) < lr * lambdaL1).ToArray();
int SignChanges(int k) => Enumerable.Range(1, subgradientLastSteps.Count - 1).Count(i => Math.Sign(subgradientLastSteps[i][k]) != Math.Sign(subgradientLastSteps[i - 1][k]));
Table(["feature", $"subgradient w, last {window} steps: smallest", "largest", "sign changes", "proximal w"],
    hopping.Select(k => (IReadOnlyList<object>)[$"P{k + 1}", subgradientLastSteps.Min(w => w[k]), subgradientLastSteps.Max(w => w[k]), SignChanges(k), l1Prox.W[k]]));
double Range(int k) => subgradientLastSteps.Max(w => w[k]) - subgradientLastSteps.Min(w => w[k]);
Say($"The subgradient run leaves {subZeros} weights at exactly 0. Its {hopping.Length} weights smaller than η·λ = {G(lr * lambdaL1)} "
    + "never settle: the penalty's share of every step is a fixed η·λ towards 0, however small the weight, so it overshoots 0 "
    + $"and is pushed back; they jitter, some crossing 0 again and again (the sign changes above, in {window} steps). Exactly 0 "
    + "is a single point they could land on only by luck.");
Say($"The proximal run sets {proxZeros} weights exactly to 0: {string.Join(", ", zeroed.Select(k => $"P{k + 1}"))}. sin(πx) is odd, "
    + "and so are the odd-degree Legendre polynomials; L1 dropped even-degree ones, which can only fit the noise.");
Check(subZeros == 0 && hopping.Length > 0 && hopping.All(k => Range(k) > 1e-4) && hopping.Any(k => SignChanges(k) > 1),
    $"subgradient L1 makes no weight exactly 0: its {hopping.Length} small ones still move (by at least {G(hopping.Min(Range))} over the last {window} steps), and some cross 0 repeatedly");
Check(proxZeros > 0 && zeroed.All(k => (k + 1) % 2 == 0), $"proximal L1 makes {proxZeros} weights exactly 0, all of even degree");
double largestDifference = l1Sub.W.Zip(l1Prox.W, (a, b) => Math.Abs(a - b)).Max();
Check(largestDifference < 0.02, $"apart from those zeros, the two L1 runs agree: largest weight difference {G(largestDifference)}");
// Optimality for L + λ‖w‖₁ (the lasso's conditions): ∂L/∂w_k = −λ·sign(w_k) where w_k ≠ 0, and |∂L/∂w_k| ≤ λ where w_k = 0.
var check = new Linear<double>(D, 1, new Rng(1));
check.Weight.Value.CopyFrom(Tensor<double>.FromArray(l1Prox.W, 1, D));
check.Bias!.Value.Fill(l1Prox.B);
Loss.Mse(check.Forward(train.Features), train.Targets).Backward();
var grad = check.Weight.Grad!.ToArray();
double worstViolation = Enumerable.Range(0, D).Max(k => l1Prox.W[k] != 0 ? Math.Abs(grad[k] + lambdaL1 * Math.Sign(l1Prox.W[k])) : Math.Max(0, Math.Abs(grad[k]) - lambdaL1));
Check(worstViolation < 1e-6, $"the proximal run satisfies the lasso's optimality conditions (worst violation {G(worstViolation)})");

// ---------------------------------------------------------------------------------------------------------
// Pictures: the fitted curves, the weights per feature, and train/val error during training.
double[] grid = Enumerable.Range(0, 201).Select(i => -1 + i / 100.0).ToArray();
double Predict((string Name, double[] W, double B, double Train, double Val, double[] TrainCurve, double[] ValCurve) r, double x) =>
    r.B + Legendre(x).Zip(r.W, (p, w) => p * w).Sum();
var fits = new Chart($"{trainCount} noisy points fitted with {D} Legendre features", "x", "y") { YRange = (-2, 2), Legend = Corner.BottomRight };
fits.Line("sin(πx), the truth", grid, grid.Select(Truth).ToArray(), colour: "black", width: 1.5, dashed: true);
int[] shownRuns = [0, 1, 3];
foreach (int k in shownRuns)
{
    fits.Line(runs[k].Name, grid, grid.Select(x => Predict(runs[k], x)).ToArray(), colour: Colours.Series[k]);
}
fits.Points("training points", train.X, train.Y, colour: "black", radius: 4);
Picture("fits.svg", fits.ToSvg());

var weights = new Chart("the weights per feature: L1 (proximal) zeroes some exactly", "degree k of Pₖ", "w_k") { XRange = (0, 13), Legend = Corner.BottomRight };
double[] degrees = Enumerable.Range(1, D).Select(k => (double)k).ToArray();
foreach (int k in new[] { 0, 1, 3, 2 }) // the subgradient run last, dashed over the proximal one it nearly equals
{
    weights.Line(runs[k].Name, degrees, runs[k].W, colour: Colours.Series[k], width: 1.2, markers: k != 2, dashed: k == 2);
}
weights.HLine(0);
Picture("weights.svg", weights.ToSvg());

var curves = new Chart("train (dashed) and validation (solid) MSE during training", "step", "MSE") { LogX = true, LogY = true, Legend = Corner.BottomLeft };
double[] at = checkpoints.Select(t => (double)t).ToArray();
foreach (int k in shownRuns)
{
    curves.Line($"{runs[k].Name}, val", at, runs[k].ValCurve, colour: Colours.Series[k]);
    curves.Line(null, at, runs[k].TrainCurve, colour: Colours.Series[k], dashed: true);
}
curves.HLine(noise * noise, "σ² of the noise");
Picture("curves.svg", curves.ToSvg());

return Finish();

static double Norm2(double[] w) => Math.Sqrt(w.Sum(v => v * v));
