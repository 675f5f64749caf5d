#!/usr/bin/env dotnet
// Lesson 09 — Optimisers: SGD, momentum, AdaGrad, RMSprop, Adam
//
// Every optimiser turns the gradient g of the loss into a step for the parameters θ. They differ in what they
// remember between steps, per parameter (t counts steps, η is the learning rate, all operations elementwise):
//
//     SGD        θ ← θ − η·g                                                     remembers nothing
//     momentum   b ← μ·b + g;            θ ← θ − η·b                            b: a running sum of gradients
//     AdaGrad    s ← s + g²;             θ ← θ − η·g / (√s + ε)                  s: all squared gradients so far
//     RMSprop    v ← α·v + (1 − α)·g²;   θ ← θ − η·g / (√v + ε)                  v: their running mean
//     Adam       m ← β₁·m + (1 − β₁)·g;  v ← β₂·v + (1 − β₂)·g²
//                θ ← θ − η/(1 − β₁ᵗ) · m / (√v/√(1 − β₂ᵗ) + ε)                   m and v, bias-corrected
//
// Dividing by √(mean of g²) gives every parameter a step of about η whatever the size of its gradient: a flat
// direction is not neglected, a steep one does not blow up. The test bed is Rosenbrock's valley
//
//     f(x, y) = (1 − x)² + 100·(y − x²)²          minimum f = 0 at (1, 1), at the bottom of a curved, flat-floored valley
//
// and then a small MLP classifying two interleaved half-moons.
//
// Library files to read beside it: Nn/Optimizers/Optimizer.cs (Step, the per-parameter buffers, SaveState),
// Nn/Optimizers/Sgd.cs, AdaGrad.cs, RmsProp.cs, Adam.cs, AdamRule.cs; Nn/Losses/Losses.cs (CrossEntropy).
//
// Run:  dotnet run notebooks/09-optimizers.cs            (add --quick for the short version the tests run)
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

Start(args, "09", "optimisers");

// name, how to make it over some parameters at a learning rate, its file
var optimizers = new (string Name, Func<IEnumerable<Var<double>>, double, Optimizer<double>> Make, string File)[]
{
    ("SGD", (ps, lr) => new Sgd<double>(ps, lr), "Sgd.cs"),
    ("SGD + momentum 0.9", (ps, lr) => new Sgd<double>(ps, lr, momentum: 0.9), "Sgd.cs"),
    ("AdaGrad", (ps, lr) => new AdaGrad<double>(ps, lr), "AdaGrad.cs"),
    ("RMSprop", (ps, lr) => new RmsProp<double>(ps, lr), "RmsProp.cs"),
    ("Adam", (ps, lr) => new Adam<double>(ps, lr), "Adam.cs + AdamRule.cs"),
};
string[] colours = ["#7f7f7f", "#ff7f0e", "#2ca02c", "#9467bd", "#d62728"];
double[] grid = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1];

// ---------------------------------------------------------------------------------------------------------
Section("1. One step from the same point: what each optimiser does with the same gradient");
static Var<double> Rosenbrock(Var<double> p)
{
    var x = p.Slice(0, 0, 1);
    var y = p.Slice(0, 1, 2);
    var oneMinusX = 1.0 - x;
    var valley = y - x * x;
    return (oneMinusX * oneMinusX + 100.0 * valley * valley).Sum(); // (1 − x)² + 100·(y − x²)²
}
double[] start = [-1.5, 2.0];
double firstLr = 0.01;
var firstRows = new List<object[]>();
var firstSteps = new Dictionary<string, double[]>();
double[] g0 = [];
foreach (var (name, make, _) in optimizers)
{
    var p = new Var<double>(Tensor<double>.FromArray(start), requiresGrad: true, name: "θ");
    var optimizer = make([p], firstLr);
    Rosenbrock(p).Backward();
    g0 = p.Grad!.ToArray();
    optimizer.Step();
    firstSteps[name] = p.Value.ToArray().Select((v, i) => v - start[i]).ToArray();
    firstRows.Add([name, firstSteps[name][0], firstSteps[name][1]]);
}
Say($"At θ = ({G(start[0])}, {G(start[1])}) the gradient is g = ({G(g0[0])}, {G(g0[1])}): {G(Math.Abs(g0[0] / g0[1]))} times steeper in x "
    + $"than in y. The first step of each optimiser with η = {firstLr}:");
Table(["optimiser", "Δx", "Δy"], firstRows);
Say("SGD and momentum (whose buffer starts as g) step −η·g, as lopsided as the gradient. AdaGrad and Adam divide by √(g²) "
    + "and step η·sign(g): the same size in every coordinate. RMSprop's v starts at 0 and has no bias correction: after one "
    + "step v = (1 − α)·g², so its first step is η/√(1 − α) = 10·η.");
Close(firstSteps["SGD"][0], -firstLr * g0[0], 1e-12, "SGD: Δx = −η·∂f/∂x");
Close(firstSteps["Adam"][1], -firstLr * Math.Sign(g0[1]), 1e-9, "Adam: Δy = −η·sign(∂f/∂y), whatever the gradient's size");
Close(firstSteps["AdaGrad"][0], -firstLr * Math.Sign(g0[0]), 1e-9, "AdaGrad: Δx = −η·sign(∂f/∂x)");
Close(firstSteps["RMSprop"][1], -firstLr / Math.Sqrt(1 - 0.99) * Math.Sign(g0[1]), 1e-9, "RMSprop: Δy = −η/√(1 − α)·sign(∂f/∂y) with α = 0.99");

// ---------------------------------------------------------------------------------------------------------
Section("2. What each keeps per parameter, read from its state dict");
var stateRows = new List<object[]>();
var stateCounts = new Dictionary<string, int>();
foreach (var (name, make, file) in optimizers)
{
    var p = new Var<double>(Tensor<double>.FromArray(start), requiresGrad: true);
    var optimizer = make([p], firstLr);
    Rosenbrock(p).Backward();
    optimizer.Step();
    var buffers = optimizer.SaveState().Entries.Where(e => !e.Name.EndsWith(".step")).ToList();
    stateCounts[name] = buffers.Sum(e => e.Tensor.Count);
    string what = buffers.Count == 0 ? "nothing (a step count)" : string.Join(", ", buffers.Select(e => $"{e.Name["state.0.".Length..]} ({e.Tensor.Count / p.Value.Count}×)"));
    stateRows.Add([name, what, stateCounts[name] / p.Value.Count, "Nn/Optimizers/" + file]);
}
Table(["optimiser", "state per parameter (entries of SaveState(), × the parameter's size)", "numbers per weight", "from"], stateRows);
Say("Adam's memory cost is two extra numbers per weight: a model of 124M parameters trained with Adam holds 3 × 124M numbers, "
    + "plus the gradients.");
Check(stateCounts["Adam"] == 2 * start.Length && stateCounts["SGD"] == 0, $"Adam keeps {stateCounts["Adam"] / start.Length} numbers per weight, plain SGD {stateCounts["SGD"] / start.Length}");

// ---------------------------------------------------------------------------------------------------------
Section("3. Rosenbrock's valley");
int steps = Quick ? 500 : 3000;
(double[] Xs, double[] Ys, double[] Losses, Optimizer<double> Optimizer) Run(Func<IEnumerable<Var<double>>, double, Optimizer<double>> make, double lr)
{
    var p = new Var<double>(Tensor<double>.FromArray(start), requiresGrad: true, name: "θ");
    var optimizer = make([p], lr);
    double[] xs = new double[steps + 1], ys = new double[steps + 1], losses = new double[steps + 1];
    Array.Fill(xs, double.NaN); // a run that blows up stops early; the rest of its path stays NaN
    Array.Fill(ys, double.NaN);
    Array.Fill(losses, double.NaN);
    for (int t = 0; t <= steps; t++)
    {
        optimizer.ZeroGrad();
        var f = Rosenbrock(p);
        (xs[t], ys[t], losses[t]) = (p.Value[0], p.Value[1], f.Value.Item());
        if (t == steps || !double.IsFinite(losses[t]))
        {
            break;
        }
        f.Backward();
        optimizer.Step();
    }
    return (xs, ys, losses, optimizer);
}
static double DistanceToMinimum(double x, double y) => double.IsFinite(x) && double.IsFinite(y) ? Math.Sqrt((x - 1) * (x - 1) + (y - 1) * (y - 1)) : double.PositiveInfinity;
Say($"Each optimiser starts at ({G(start[0])}, {G(start[1])}) and takes {steps} steps. To be fair, each gets the learning rate from "
    + $"{{{string.Join(", ", grid.Select(G))}}} that ends closest to the minimum (1, 1); a rate that diverges is out.");
var runs = new List<(string Name, double Lr, double[] Xs, double[] Ys, double[] Losses, double Distance, Optimizer<double> Optimizer)>();
foreach (var (name, make, _) in optimizers)
{
    var best = grid.Select(lr => (lr, run: Run(make, lr)))
        .Select(r => (r.lr, r.run, distance: DistanceToMinimum(r.run.Xs[^1], r.run.Ys[^1])))
        .OrderBy(r => r.distance).First();
    runs.Add((name, best.lr, best.run.Xs, best.run.Ys, best.run.Losses, best.distance, best.run.Optimizer));
}
Table(["optimiser", "best η", "f after", "x after", "y after", "distance to (1, 1)"],
    runs.Select(r => (IReadOnlyList<object>)[r.Name, r.Lr, r.Losses[^1], r.Xs[^1], r.Ys[^1], r.Distance]));
var byName = runs.ToDictionary(r => r.Name);
Check(byName["Adam"].Distance < byName["SGD"].Distance, $"Adam ends closer to (1, 1) than plain SGD: {G(byName["Adam"].Distance)} against {G(byName["SGD"].Distance)}");
Check(byName["SGD + momentum 0.9"].Distance < byName["SGD"].Distance, $"momentum ends closer than plain SGD: {G(byName["SGD + momentum 0.9"].Distance)} against {G(byName["SGD"].Distance)}");
// Rosenbrock's Hessian at (1, 1): [1200x² − 400y + 2, −400x; −400x, 200] = [802, −400; −400, 200].
double trace = 802 + 200, det = 802 * 200 - 400 * 400;
double lambdaMax = trace / 2 + Math.Sqrt(trace * trace / 4 - det), lambdaMin = det / lambdaMax;
Say($"Why plain SGD creeps: at the minimum the Hessian has eigenvalues λ_max = {G(lambdaMax)} (across the valley) and "
    + $"λ_min = {G(lambdaMin)} (along it). As in lesson 06, a step must stay below 2/λ_max = {G(2 / lambdaMax)} not to be thrown "
    + $"out of the valley, and then the distance along the floor shrinks only by 1 − η·λ_min = {G(1 - byName["SGD"].Lr * lambdaMin)} "
    + "per step. Momentum adds up the steps along the floor, where successive gradients agree, while its back-and-forth "
    + "across the walls cancels out.");
Check(byName["SGD"].Lr <= 2 / lambdaMax && grid.Where(lr => lr > byName["SGD"].Lr).All(lr => lr > 2 / lambdaMax),
    $"the best rate on the grid for plain SGD, {G(byName["SGD"].Lr)}, is the largest one below 2/λ_max = {G(2 / lambdaMax)}");
// AdaGrad's memory, read from its state dict: s = Σ g² only grows, so its steps η/√s only shrink.
var sum = byName["AdaGrad"].Optimizer.SaveState()["state.0.sum"].ToArray();
double[] adagradStep = sum.Select(si => byName["AdaGrad"].Lr / Math.Sqrt(si)).ToArray();
Say($"AdaGrad's buffer s = Σg² after {steps} steps holds ({G(sum[0])}, {G(sum[1])}): the big early gradients stay in it for "
    + $"ever, so its step size per unit gradient, η/√s, has fallen to ({G(adagradStep[0])}, {G(adagradStep[1])}). RMSprop and "
    + "Adam keep running averages instead, which forget old gradients.");
Check(adagradStep.All(a => a < byName["AdaGrad"].Lr / 10), $"AdaGrad's step per unit gradient has shrunk more than tenfold from η = {G(byName["AdaGrad"].Lr)}");

// The picture: log₁₀ f as a light background, its contours, and each optimiser's path (points at steps 0, 1, 2, 3, 5, 8, …).
int n = 80;
double[] gx = Enumerable.Range(0, n).Select(i => -2 + 4.0 * i / (n - 1)).ToArray(), gy = Enumerable.Range(0, n).Select(j => -1 + 4.0 * j / (n - 1)).ToArray();
var logF = new double[n, n];
for (int j = 0; j < n; j++)
{
    for (int i = 0; i < n; i++)
    {
        logF[j, i] = Math.Log10((1 - gx[i]) * (1 - gx[i]) + 100 * Math.Pow(gy[j] - gx[i] * gx[i], 2) + 1e-3);
    }
}
var paths = new Chart($"{steps} steps on Rosenbrock's valley, from ({G(start[0])}, {G(start[1])})", "x", "y")
    { Width = 700, Height = 620, XRange = (-2, 2), YRange = (-1, 3), Legend = Corner.BottomRight };
paths.Heatmap(logF, gx, gy, scale: t => Colours.WhiteBlue(0.45 * t), colourBarLabel: "log₁₀ f");
paths.Contour(logF, gx, gy, [-1, 0, 1, 2, 3], colour: "#6f8fb0");
var shownSteps = LogSpaced(steps);
for (int k = runs.Count - 1; k >= 0; k--) // plain SGD last, on top
{
    var r = runs[k];
    paths.Line($"{r.Name} (η = {G(r.Lr)})", shownSteps.Select(t => r.Xs[t]).ToArray(), shownSteps.Select(t => r.Ys[t]).ToArray(), colour: colours[k], width: 1.5, markers: true, dashed: k == 0);
}
paths.Points(null, [1, start[0]], [1, start[1]], colour: "black", radius: 5, labels: ["minimum (1, 1)", "start"]);
Picture("rosenbrock-paths.svg", paths.ToSvg());

var lossChart = new Chart("Rosenbrock: f(θₜ) per step", "step", "f") { LogY = true, Legend = Corner.BottomLeft };
double[] stepAxis = Enumerable.Range(0, steps + 1).Select(t => (double)t).ToArray();
for (int k = runs.Count - 1; k >= 0; k--)
{
    lossChart.Line($"{runs[k].Name} (η = {G(runs[k].Lr)})", stepAxis, runs[k].Losses, colour: colours[k], width: 1.5, dashed: k == 0);
}
Picture("rosenbrock-loss.svg", lossChart.ToSvg());

// ---------------------------------------------------------------------------------------------------------
Section("4. A small network: two half-moons");
int perClass = 100, mlpSteps = Quick ? 150 : 600;
var dataRng = new Rng(9);
var points = new double[2 * perClass * 2];
var labels = new int[2 * perClass];
for (int i = 0; i < 2 * perClass; i++)
{
    int label = i % 2;
    double angle = Math.PI * dataRng.NextDouble();
    // Moon 0: the upper half circle around (0, 0); moon 1: the lower half circle around (1, 0.5), interleaved.
    points[2 * i] = (label == 0 ? Math.Cos(angle) : 1 - Math.Cos(angle)) + 0.1 * dataRng.NextNormal();
    points[2 * i + 1] = (label == 0 ? Math.Sin(angle) : 0.5 - Math.Sin(angle)) + 0.1 * dataRng.NextNormal();
    labels[i] = label;
}
var inputs = new Var<double>(Tensor<double>.FromArray(points, 2 * perClass, 2)); // (N, 2)
double[] mlpGrid = [1e-3, 1e-2, 1e-1, 1];
(double[] Losses, double Accuracy) Train(Func<IEnumerable<Var<double>>, double, Optimizer<double>> make, double lr)
{
    var model = new Sequential<double>(new Linear<double>(2, 16, new Rng(90)), new Tanh<double>(), new Linear<double>(16, 16, new Rng(91)),
        new Tanh<double>(), new Linear<double>(16, 2, new Rng(92))); // the same initial weights for every run
    var optimizer = make(model.Parameters(), lr);
    var losses = new double[mlpSteps + 1];
    Array.Fill(losses, double.NaN);
    Var<double> logits = model.Forward(inputs);
    for (int t = 0; t <= mlpSteps; t++)
    {
        optimizer.ZeroGrad();
        logits = model.Forward(inputs);             // (N, 2)
        var loss = Loss.CrossEntropy(logits, labels);
        losses[t] = loss.Value.Item();
        if (t == mlpSteps || !double.IsFinite(losses[t]))
        {
            break;
        }
        loss.Backward();
        optimizer.Step();
    }
    var predicted = logits.Value.ArgMax(1).ToArray();
    return (losses, labels.Where((label, i) => (int)predicted[i] == label).Count() / (double)labels.Length);
}
Say($"{2 * perClass} points in two interleaved half-moons (noise 0.1), an MLP 2 → 16 → 16 → 2 with tanh, cross-entropy on the full "
    + $"set, {mlpSteps} steps, the same initial weights for every run; each optimiser gets the best final loss over η in "
    + $"{{{string.Join(", ", mlpGrid.Select(G))}}}.");
var mlpRuns = optimizers.Select(o => mlpGrid.Select(lr => (lr, run: Train(o.Make, lr))).Where(r => double.IsFinite(r.run.Losses[^1]))
    .OrderBy(r => r.run.Losses[^1]).Select(r => (o.Name, r.lr, r.run.Losses, r.run.Accuracy)).First()).ToList();
Table(["optimiser", "best η", "loss at start", $"loss after {mlpSteps / 10} steps", $"after {mlpSteps}", "training accuracy"],
    mlpRuns.Select(r => (IReadOnlyList<object>)[r.Name, r.lr, r.Losses[0], r.Losses[mlpSteps / 10], r.Losses[^1], $"{100 * r.Accuracy:F1}%"]));
var mlpChart = new Chart($"MLP on two moons: training loss, each optimiser at its best η", "step", "cross-entropy") { LogY = true, Legend = Corner.BottomLeft };
double[] mlpAxis = Enumerable.Range(0, mlpSteps + 1).Select(t => (double)t).ToArray();
for (int k = 0; k < mlpRuns.Count; k++)
{
    mlpChart.Line($"{mlpRuns[k].Name} (η = {G(mlpRuns[k].lr)})", mlpAxis, mlpRuns[k].Losses, colour: colours[k], width: 1.5);
}
Picture("moons-loss.svg", mlpChart.ToSvg());
var mlpByName = mlpRuns.ToDictionary(r => r.Name);
Check(mlpByName["Adam"].Losses[^1] < mlpByName["SGD"].Losses[^1], $"on the MLP, Adam's final loss is below plain SGD's: {G(mlpByName["Adam"].Losses[^1])} against {G(mlpByName["SGD"].Losses[^1])}");
Check(mlpRuns.All(r => r.Losses[^1] < r.Losses[0]), "every optimiser lowered the loss from where it started");

return Finish();

// Steps 0, 1, 2, 3, 5, 8, … up to the last: dense early, when the path moves most, sparse later.
static int[] LogSpaced(int last) =>
    Enumerable.Range(0, 40).Select(k => (int)Math.Round(Math.Pow(last + 1, k / 39.0)) - 1).Distinct().ToArray();
