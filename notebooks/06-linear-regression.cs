#!/usr/bin/env dotnet
// Lesson 06 — Linear regression: the house-price example
//
// Predict a house's price from its area with a straight line ŷ = w·x + b, and measure how wrong the line is
// on N houses by the mean squared error:
//
//     L(w, b) = 1/N · Σᵢ (ŷᵢ − yᵢ)²
//     ∂L/∂w = 2/N · Σᵢ (ŷᵢ − yᵢ)·xᵢ          ∂L/∂b = 2/N · Σᵢ (ŷᵢ − yᵢ)
//
// Gradient descent walks downhill: θ ← θ − η·∇L. L is a quadratic bowl, so its minimum has a closed form, the
// least-squares solution of the normal equations XᵀX·θ = Xᵀy (X has rows (xᵢ, 1), θ = (w, b)). Its curvature
// is the Hessian H = 2/N · XᵀX. Along an eigenvector of H with eigenvalue λ, one step multiplies the distance
// to the minimum by (1 − η·λ): that shrinks only when |1 − η·λ| < 1, so the step must obey
//
//     η < 2 / λ_max
//
// A learning rate far below it crawls, one a little above it diverges.
//
// Library files to read beside it: Nn/Losses/Losses.cs (Loss.Mse), Nn/Optimizers/Sgd.cs (the update θ ← θ − η·g),
// Autograd/Ops/Var.Arithmetic.cs (the rules for +, −, · that give the gradient), Autograd/Ops/Var.Reductions.cs (Mean).
//
// Run:  dotnet run notebooks/06-linear-regression.cs            (add --quick for the short version the tests run)
#:project ../Gpt/Scratch.Gpt.csproj
#:property PublishAot=false
#:include shared/Lesson.cs
using Scratch.Autograd;
using Scratch.Gpt.Plots;
using Scratch.Lessons;
using Scratch.Nn.Losses;
using Scratch.Nn.Optimizers;
using Scratch.Tensors;
using static Scratch.Lessons.Lesson;

Start(args, "06", "linear regression, the house-price example");

// ---------------------------------------------------------------------------------------------------------
Section("1. The data (synthetic)");
const int N = 40;
const double trueW = 250, trueB = 30, noise = 25; // price in k€ = 250 k€ per 100 m² · area + 30 k€ + noise
var rng = new Rng(6);
double[] area = new double[N], price = new double[N]; // area in hundreds of m² (0.4 to 2), price in k€
for (int i = 0; i < N; i++)
{
    area[i] = 0.4 + 1.6 * rng.NextDouble();
    price[i] = trueW * area[i] + trueB + noise * rng.NextNormal();
}
Say($"These {N} houses are made up, not measured: area uniform between 40 and 200 m², price = {trueW}·area + {trueB} "
    + $"(area in hundreds of m², price in thousands of euros) plus Gaussian noise of standard deviation {noise}, drawn "
    + "with a fixed seed. Knowing the true line lets us see how close the fit gets.");
Table(["house", "area (100 m²)", "price (k€)"], Enumerable.Range(0, 5).Select(i => (IReadOnlyList<object>)[i, area[i], price[i]]));

var x = new Var<double>(Tensor<double>.FromArray(area));  // (N)
var y = new Var<double>(Tensor<double>.FromArray(price)); // (N)

// ---------------------------------------------------------------------------------------------------------
Section("2. The gradient of the mean squared error, by hand and by Backward()");
double[] GradByHand(double w, double b)
{
    double dw = 0, db = 0;
    for (int i = 0; i < N; i++)
    {
        double error = w * area[i] + b - price[i]; // ŷᵢ − yᵢ
        dw += 2.0 / N * error * area[i];
        db += 2.0 / N * error;
    }
    return [dw, db];
}
(double Loss, double Dw, double Db) ByAutograd(double w0, double b0)
{
    var w = new Var<double>(Tensor<double>.FromArray([w0]), requiresGrad: true, name: "w");
    var b = new Var<double>(Tensor<double>.FromArray([b0]), requiresGrad: true, name: "b");
    var loss = Loss.Mse(x * w + b, y); // ŷ = x·w + b, broadcast over the N houses
    loss.Backward();
    return (loss.Value.Item(), w.Grad!.Item(), b.Grad!.Item());
}
var rows = new List<object[]>();
foreach (var (w0, b0) in new[] { (0.0, 0.0), (100.0, 50.0) })
{
    var (loss, dw, db) = ByAutograd(w0, b0);
    var hand = GradByHand(w0, b0);
    rows.Add([$"({G(w0)}, {G(b0)})", loss, hand[0], dw, hand[1], db]);
    Close(dw, hand[0], 1e-12, $"∂L/∂w at (w, b) = ({G(w0)}, {G(b0)}): Backward() equals 2/N·Σ(ŷ−y)·x");
    Close(db, hand[1], 1e-12, $"∂L/∂b at (w, b) = ({G(w0)}, {G(b0)}): Backward() equals 2/N·Σ(ŷ−y)");
}
Table(["(w, b)", "L", "∂L/∂w by hand", "by Backward()", "∂L/∂b by hand", "by Backward()"], rows);

// ---------------------------------------------------------------------------------------------------------
Section("3. The target: the least-squares line in closed form");
// The normal equations XᵀX·θ = Xᵀy for θ = (w, b):  [Σx² Σx; Σx N]·(w, b) = (Σxy, Σy), solved by Cramer's rule.
double sx = area.Sum(), sxx = area.Sum(a => a * a), sy = price.Sum(), sxy = area.Zip(price, (a, p) => a * p).Sum();
double det = sxx * N - sx * sx;
double bestW = (sxy * N - sx * sy) / det, bestB = (sxx * sy - sx * sxy) / det;
var best = ByAutograd(bestW, bestB);
double bestLoss = best.Loss;
Say($"Solving [Σx² Σx; Σx N]·(w, b) = (Σxy, Σy) gives w* = {G(bestW)}, b* = {G(bestB)} (the data were made with "
    + $"{trueW} and {trueB}; the noise moves the best line a little). The smallest possible loss is L* = {G(bestLoss)}, "
    + $"about the noise variance {noise * noise}: no line can predict the noise.");
Check(Math.Abs(best.Dw) < 1e-9 && Math.Abs(best.Db) < 1e-9, $"the gradient vanishes at the least-squares solution (|∂L/∂w| = {G(Math.Abs(best.Dw))}, |∂L/∂b| = {G(Math.Abs(best.Db))})");

// ---------------------------------------------------------------------------------------------------------
Section("4. Gradient descent at three learning rates");
int steps = Quick ? 150 : 300;
double[] rates = [0.01, 0.3, 0.45];
string[] verdicts = ["too small", "right", "too large"];
var excess = new List<double[]>(); // L(θₜ) − L* after each step, per learning rate
var finals = new List<(double W, double B)>();
foreach (double lr in rates)
{
    var w = new Var<double>(Tensor<double>.FromArray([0.0]), requiresGrad: true, name: "w");
    var b = new Var<double>(Tensor<double>.FromArray([0.0]), requiresGrad: true, name: "b");
    var optimizer = new Sgd<double>([w, b], lr); // the whole data set in every step: plain gradient descent
    var curve = new double[steps + 1];
    for (int t = 0; t <= steps; t++)
    {
        optimizer.ZeroGrad();
        var loss = Loss.Mse(x * w + b, y);
        curve[t] = loss.Value.Item() - bestLoss;
        if (t == steps)
        {
            break;
        }
        loss.Backward();
        optimizer.Step(); // θ ← θ − η·∂L/∂θ
    }
    excess.Add(curve);
    finals.Add((w.Value.Item(), b.Value.Item()));
}
Say($"Each run starts at w = b = 0 and takes {steps} steps of Nn's Sgd over all {N} houses at once (so it is plain "
    + "gradient descent; section 6 draws random mini-batches instead).");
Table(["η", "verdict", "w after", "b after", "L − L* at start", "L − L* after"],
    rates.Select((lr, k) => (IReadOnlyList<object>)[lr, verdicts[k], finals[k].W, finals[k].B, excess[k][0], excess[k][^1]]));
Say($"(A loss excess below about 1e-12 is rounding error: the loss itself is about {bestLoss:F0}, and a double carries 16 digits.)");
Check(excess[0][^1] > 1, $"η = {rates[0]} crawls: after {steps} steps the loss is still {G(excess[0][^1])} above L*");
Check(excess[1][^1] < 1e-3 && Math.Abs(finals[1].W - bestW) < 0.1, $"η = {rates[1]} converges: L − L* = {G(excess[1][^1])}, w = {G(finals[1].W)} against w* = {G(bestW)}");
Check(excess[2][^1] > 1e3 * excess[2][0], $"η = {rates[2]} diverges: L − L* grew from {G(excess[2][0])} to {G(excess[2][^1])}");

var chart = new Chart("gradient descent on the house prices: three learning rates", "step", "L − L*")
    { LogY = true, YRange = (1e-6, 1e12), Legend = Corner.BottomLeft };
double[] stepAxis = Enumerable.Range(0, steps + 1).Select(t => (double)t).ToArray();
for (int k = 0; k < rates.Length; k++)
{
    chart.Line($"η = {rates[k]} ({verdicts[k]})", stepAxis, excess[k], colour: Colours.Series[k]);
}
Picture("learning-rates.svg", chart.ToSvg());

// ---------------------------------------------------------------------------------------------------------
Section("5. Why: the curvature sets the largest step");
// H = 2/N · XᵀX = 2/N · [Σx² Σx; Σx N], a symmetric 2×2 matrix (its eigenvalues: EigenvalueMax at the end).
double hww = 2.0 / N * sxx, hwb = 2.0 / N * sx, hbb = 2.0;
double lambdaMax = EigenvalueMax(hww, hwb, hbb), lambdaMin = hww + hbb - lambdaMax; // the two add up to the trace
// The same Hessian by nudging: how much Backward()'s gradient changes per unit change of w, and of b.
const double h = 1e-4;
var (_, dwPlusW, dbPlusW) = ByAutograd(1 + h, 1);
var (_, dwMinusW, dbMinusW) = ByAutograd(1 - h, 1);
var (_, dwPlusB, dbPlusB) = ByAutograd(1, 1 + h);
var (_, dwMinusB, dbMinusB) = ByAutograd(1, 1 - h);
double[,] nudged = { { (dwPlusW - dwMinusW) / (2 * h), (dwPlusB - dwMinusB) / (2 * h) }, { (dbPlusW - dbMinusW) / (2 * h), (dbPlusB - dbMinusB) / (2 * h) } };
Table(["", "∂/∂w (2/N·Σx², 2/N·Σx)", "by nudging Backward()", "∂/∂b (2/N·Σx, 2)", "by nudging Backward()"],
[
    ["∂L/∂w", hww, nudged[0, 0], hwb, nudged[0, 1]],
    ["∂L/∂b", hwb, nudged[1, 0], hbb, nudged[1, 1]],
]);
Close(nudged[0, 0], hww, 1e-8, "∂²L/∂w² by nudging the autograd gradient equals 2/N·Σx²");
Close(nudged[0, 1], hwb, 1e-8, "∂²L/∂w∂b by nudging the autograd gradient equals 2/N·Σx");
double limit = 2 / lambdaMax;
Say($"H's eigenvalues are λ_max = {G(lambdaMax)} and λ_min = {G(lambdaMin)}. A step moves the error e = θ − θ* to "
    + "(I − η·H)·e, so along each eigenvector it is multiplied by 1 − η·λ, and the loss above L* (a quadratic in e) "
    + $"by (1 − η·λ)². Gradient descent converges only if η < 2/λ_max = {G(limit)}.");
Check(rates[1] < limit && rates[2] > limit, $"the limit 2/λ_max = {G(limit)} lies between the converging η = {rates[1]} and the diverging η = {rates[2]}");
var rateRows = new List<object[]>();
for (int k = 0; k < rates.Length; k++)
{
    // The slowest direction wins in the end: the per-step factor is the largest (1 − η·λ)².
    double predicted = Math.Max(Math.Pow(1 - rates[k] * lambdaMax, 2), Math.Pow(1 - rates[k] * lambdaMin, 2));
    const int t = 150; // late enough for the slowest direction to dominate, early enough to be above rounding error
    double measured = excess[k][t] / excess[k][t - 1];
    rateRows.Add([rates[k], 1 - rates[k] * lambdaMax, 1 - rates[k] * lambdaMin, predicted, measured]);
    Close(measured, predicted, 1e-3, $"η = {rates[k]}: the loss excess per step, measured at step {t}, against max (1 − η·λ)²");
}
Table(["η", "1 − η·λ_max", "1 − η·λ_min", "predicted factor per step", "measured L excess ratio"], rateRows);
Say($"η = {rates[0]} is safe for the steep direction but barely moves along the flat one: 1 − η·λ_min is close to 1, so it crawls. "
    + $"η = {rates[2]} overshoots the steep direction: 1 − η·λ_max = {G(1 - rates[2] * lambdaMax)}, so each step lands further out "
    + "on the other side, and the loss grows without bound.");

// Feature scaling: the same houses with the area in m² (× 100), and with the area standardised, (x − mean) / std.
double meanX = sx / N, std = Math.Sqrt(sxx / N - meanX * meanX);
double lambdaMaxM2 = EigenvalueMax(2.0 / N * sxx * 1e4, 2.0 / N * sx * 100, 2);
var standardised = new Var<double>(Tensor<double>.FromArray(area.Select(a => (a - meanX) / std).ToArray()));
var zw = new Var<double>(Tensor<double>.FromArray([0.0]), requiresGrad: true, name: "w");
var zb = new Var<double>(Tensor<double>.FromArray([0.0]), requiresGrad: true, name: "b");
var oneStep = new Sgd<double>([zw, zb], 0.5);
Loss.Mse(standardised * zw + zb, y).Backward();
oneStep.Step();
double afterOneStep = Loss.Mse(standardised * zw + zb, y).Value.Item() - bestLoss;
Say($"Units matter. With the area in m² instead of hundreds of m², λ_max = {G(lambdaMaxM2)}, and the step limit falls to "
    + $"{G(2 / lambdaMaxM2)}. The ratio λ_max/λ_min, here {G(lambdaMax / lambdaMin)}, says how much slower the flat direction "
    + "converges than the steep one. Standardising the feature, x ← (x − mean)/std, makes Σx = 0 and Σx² = N, so H = 2·I: "
    + "both eigenvalues are 2, and one step of η = ½ lands on the minimum. That is why inputs are normalised.");
Check(lambdaMaxM2 / lambdaMax > 1e3, $"measuring area in m² multiplies λ_max by {G(lambdaMaxM2 / lambdaMax)}");
Check(Math.Abs(afterOneStep) < 1e-9, $"with the area standardised, one step of η = ½ from (0, 0) reaches L* (|L − L*| = {G(Math.Abs(afterOneStep))})");

// ---------------------------------------------------------------------------------------------------------
Section("6. Stochastic gradient descent: a random mini-batch per step");
int batch = 8, sgdSteps = Quick ? 300 : 1000;
var sw = new Var<double>(Tensor<double>.FromArray([0.0]), requiresGrad: true, name: "w");
var sb = new Var<double>(Tensor<double>.FromArray([0.0]), requiresGrad: true, name: "b");
var sgd = new Sgd<double>([sw, sb], rates[1]);
var pick = new Rng(60);
for (int t = 0; t < sgdSteps; t++)
{
    int[] rowsOfBatch = Enumerable.Range(0, batch).Select(_ => pick.NextInt(N)).ToArray();
    sgd.ZeroGrad();
    Loss.Mse(x.IndexSelect(0, rowsOfBatch) * sw + sb, y.IndexSelect(0, rowsOfBatch)).Backward();
    sgd.Step();
}
double sgdExcess = ByAutograd(sw.Value.Item(), sb.Value.Item()).Loss - bestLoss;
Say($"With η = {rates[1]} and {batch} random houses per step, {sgdSteps} steps end at w = {G(sw.Value.Item())}, "
    + $"b = {G(sb.Value.Item())}, L − L* = {G(sgdExcess)} on all houses. Each mini-batch gradient is a noisy estimate of "
    + "the full one, so SGD does not settle exactly on the minimum; it jitters around it unless η is lowered over time.");
Check(sgdExcess > 0 && sgdExcess < 0.05 * bestLoss, $"mini-batch SGD ends within 5% of the best loss (L − L* = {G(sgdExcess)}, L* = {G(bestLoss)})");

return Finish();

// The larger eigenvalue of the symmetric matrix [p q; q r]: m + √(m² − (pr − q²)) with m = (p + r)/2 (the other is m − √…).
static double EigenvalueMax(double p, double q, double r)
{
    double m = (p + r) / 2;
    return m + Math.Sqrt(m * m - (p * r - q * q));
}
