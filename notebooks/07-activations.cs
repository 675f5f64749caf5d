#!/usr/bin/env dotnet
// Lesson 07 — Activations, and why deep stacks of some of them stop learning
//
// Between two linear layers sits a nonlinearity f, applied to every number. The four in this library:
//
//     sigmoid  σ(x) = 1 / (1 + e⁻ˣ)            σ′(x) = σ(x)·(1 − σ(x))             (at most ¼, at x = 0)
//     tanh     tanh(x)                          tanh′(x) = 1 − tanh²(x)             (at most 1, at x = 0)
//     ReLU     max(x, 0)                        ReLU′(x) = 1 if x > 0, else 0       (a step)
//     GELU     ½·x·(1 + tanh u),  u = √(2/π)·(x + 0.044715·x³)         (GPT-2's tanh form)
//              GELU′(x) = ½·(1 + tanh u) + ½·x·(1 − tanh² u)·√(2/π)·(1 + 3·0.044715·x²)
//
// Backpropagation through a stack h_l = f(W_l·h_{l−1} + b_l) multiplies the gradient, layer after layer, by
// W_lᵀ and by f′ at that layer's pre-activations. With weights drawn so that W keeps a vector's size
// (fan_in·Var(W) = 1, Xavier), each layer scales the gradient by about √E[f′(z)²]: below ¼ for sigmoid, so
// after 20 layers the first layer receives almost nothing — the vanishing gradient. ReLU with Kaiming's
// fan_in·Var(W) = 2 makes the factor √(2·½) = 1, and the gradient stays level.
//
// Library files to read beside it: Autograd/Ops/Var.Activations.cs (the four backward rules),
// Tensors/Kernels/ElementOps.cs (GELU's forward and backward), Nn/Init/Initializers.cs (Xavier, Kaiming),
// Nn/Modules/Linear.cs, Nn/Modules/Sigmoid.cs, Tanh.cs, ReLU.cs.
//
// Run:  dotnet run notebooks/07-activations.cs            (add --quick for the short version the tests run)
#:project ../Gpt/Scratch.Gpt.csproj
#:property PublishAot=false
#:include shared/Lesson.cs
using Scratch.Autograd;
using Scratch.Gpt.Plots;
using Scratch.Lessons;
using Scratch.Nn;
using Scratch.Nn.Init;
using Scratch.Nn.Losses;
using Scratch.Nn.Modules;
using Scratch.Tensors;
using static Scratch.Lessons.Lesson;

Start(args, "07", "activations and vanishing gradients");

// ---------------------------------------------------------------------------------------------------------
Section("1. Four activations and their derivatives, from Backward()");
const double c = 0.044715;
double sqrt2OverPi = Math.Sqrt(2 / Math.PI);
static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
double Gelu(double x) => 0.5 * x * (1 + Math.Tanh(sqrt2OverPi * (x + c * x * x * x)));
double GeluDerivative(double x)
{
    double t = Math.Tanh(sqrt2OverPi * (x + c * x * x * x));
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * sqrt2OverPi * (1 + 3 * c * x * x);
}
// name, the library's op, the function, its derivative in closed form
var activations = new (string Name, Func<Var<double>, Var<double>> Op, Func<double, double> F, Func<double, double> ClosedForm)[]
{
    ("sigmoid", v => v.Sigmoid(), Sigmoid, x => Sigmoid(x) * (1 - Sigmoid(x))),
    ("tanh", v => v.Tanh(), Math.Tanh, x => 1 - Math.Tanh(x) * Math.Tanh(x)),
    ("ReLU", v => v.Relu(), x => Math.Max(x, 0), x => x > 0 ? 1 : 0),
    ("GELU", v => v.Gelu(), Gelu, GeluDerivative),
};
int points = Quick ? 81 : 401;
double[] xs = Enumerable.Range(0, points).Select(i => -4 + 8.0 * i / (points - 1)).ToArray();
Say($"Each function runs on {points} points x from −4 to 4 at once, as one Var<double>. Backward() of Σᵢ f(xᵢ) leaves "
    + "f′(xᵢ) in x.Grad, because ∂(Σⱼ f(xⱼ))/∂xᵢ = f′(xᵢ): one backward pass gives the whole derivative curve.");
var values = new Dictionary<string, double[]>();
var derivatives = new Dictionary<string, double[]>();
foreach (var (name, op, f, closedForm) in activations)
{
    var x = new Var<double>(Tensor<double>.FromArray(xs), requiresGrad: true, name: "x");
    var y = op(x);
    y.Sum().Backward();
    values[name] = y.Value.ToArray();
    derivatives[name] = x.Grad!.ToArray();
    double worst = xs.Select((xv, i) => Math.Abs(derivatives[name][i] - closedForm(xv))).Max();
    Check(worst < 1e-12, $"{name}: Backward() equals the closed-form derivative at all {points} points (largest difference {G(worst)})");
}
// An independent check of GELU's long formula: nudge x (central difference) through the forward pass alone.
double geluNudgeError = xs.Where(xv => Math.Abs(xv) > 1e-9).Max(xv => Math.Abs((Gelu(xv + 1e-5) - Gelu(xv - 1e-5)) / 2e-5 - GeluDerivative(xv)));
Check(geluNudgeError < 1e-8, $"GELU's closed-form derivative agrees with nudging its forward pass (largest difference {G(geluNudgeError)})");

double[] shown = [-3, -1, 0, 0.5, 2];
Table(["x", .. activations.SelectMany(a => new[] { a.Name, a.Name + "′" })],
    shown.Select(xv => (IReadOnlyList<object>)[xv, .. activations.SelectMany(a => new object[] { a.F(xv), Derivative(a.Name, xv) })]));
double sigmoidPeak = derivatives["sigmoid"].Max(), tanhPeak = derivatives["tanh"].Max();
var geluSlope = derivatives["GELU"];
int dip = Array.IndexOf(geluSlope, geluSlope.Min()), peak = Array.IndexOf(geluSlope, geluSlope.Max());
Say($"The sigmoid's slope is never more than {G(sigmoidPeak)}; tanh's reaches {G(tanhPeak)} at 0, but both flatten to 0 "
    + "for large |x| (they saturate). ReLU's slope is exactly 1 for every positive input and 0 for every negative one "
    + "(0 at x = 0 itself, as in PyTorch). GELU is a smooth ReLU: slightly negative for x < 0, its slope dips to "
    + $"{G(geluSlope[dip])} at x = {G(xs[dip])} and overshoots 1, up to {G(geluSlope[peak])} at x = {G(xs[peak])}.");
Check(geluSlope[dip] < 0 && geluSlope[peak] > 1, "GELU's slope goes below 0 and above 1, unlike ReLU's");
Close(sigmoidPeak, 0.25, 1e-12, "the sigmoid's largest slope, σ′(0)");
Close(tanhPeak, 1, 1e-12, "tanh's largest slope, tanh′(0)");

var functionsChart = new Chart("the activations f(x)", "x", "f(x)") { Width = 480, Height = 380, YRange = (-1.5, 4), Legend = Corner.TopLeft };
var derivativesChart = new Chart("their derivatives f′(x), from Backward()", "x", "f′(x)") { Width = 480, Height = 380, YRange = (-0.25, 1.25), Legend = Corner.TopLeft };
for (int k = 0; k < activations.Length; k++)
{
    functionsChart.Line(activations[k].Name, xs, values[activations[k].Name], colour: Colours.Series[k]);
    derivativesChart.Line(activations[k].Name + "′", xs, derivatives[activations[k].Name], colour: Colours.Series[k]);
}
Picture("activations.svg", Figure.Grid([functionsChart.ToSvg(), derivativesChart.ToSvg()], columns: 2));

// ---------------------------------------------------------------------------------------------------------
Section("2. Twenty layers deep: the gradient that reaches each layer");
const int depth = 20, width = 32;
int batch = Quick ? 64 : 512;
var dataRng = new Rng(7);
var input = new Var<double>(Tensor<double>.Randn(dataRng, batch, width));  // (B, 32)
var target = new Var<double>(Tensor<double>.Randn(dataRng, batch, width)); // (B, 32)
Say($"A stack of {depth} layers, each Linear({width}, {width}) followed by the activation, on a batch of {batch} random inputs "
    + "x ~ N(0, 1), with a mean-squared-error loss against random targets. Biases start at 0. Weights: Xavier uniform, "
    + $"U(−a, a) with a = √(6/(fan_in + fan_out)), for sigmoid and tanh (so fan_in·Var(W) = {width}·a²/3 = 1); Kaiming normal, "
    + $"N(0, 2/fan_in), for ReLU (fan_in·Var(W) = 2). We backpropagate once and measure ‖∂L/∂W_l‖ for every layer l.");

var stacks = new (string Name, Func<Layer<double>> Activation, Func<Rng, Tensor<double>> Init, Func<double, double> Derivative)[]
{
    ("sigmoid, Xavier", () => new Sigmoid<double>(), r => Initializers.XavierUniform<double>(r, width, width, 1.0, width, width), activations[0].ClosedForm),
    ("tanh, Xavier", () => new Tanh<double>(), r => Initializers.XavierUniform<double>(r, width, width, 1.0, width, width), activations[1].ClosedForm),
    ("ReLU, Kaiming", () => new ReLU<double>(), r => Initializers.KaimingNormal<double>(r, width, width, width), activations[2].ClosedForm),
};
var norms = new Dictionary<string, double[]>();
double tanhActivationRatio = 0;
var chart = new Chart($"gradient norm reaching each of {depth} layers ({width} wide)", "layer (1 = nearest the input)", "‖∂L/∂W_l‖")
    { LogY = true, Legend = Corner.BottomRight };
var summary = new List<object[]>();
for (int k = 0; k < stacks.Length; k++)
{
    var (name, activation, init, derivative) = stacks[k];
    var rng = new Rng(70);
    var linears = Enumerable.Range(0, depth).Select(_ => new Linear<double>(width, width, rng)).ToArray();
    foreach (var linear in linears)
    {
        linear.Weight.Value.CopyFrom(init(rng));
        linear.Bias!.Value.Fill(0);
    }
    var act = activation();
    var h = input;
    var preActivations = new List<Var<double>>(); // z_l = W_l·h_{l−1} + b_l, kept to read ∂L/∂z_l after Backward()
    foreach (var linear in linears)
    {
        var z = linear.Forward(h); // (B, 32)
        preActivations.Add(z);
        h = act.Forward(z);
    }
    Loss.Mse(h, target).Backward();
    if (name.StartsWith("tanh"))
    {
        tanhActivationRatio = FrobeniusNorm(input.Value) / FrobeniusNorm(act.Forward(preActivations[^2]).Value);
    }
    norms[name] = linears.Select(l => FrobeniusNorm(l.Weight.Grad!)).ToArray();

    // The explanation, measured: going down one layer multiplies ∂L/∂z by about √(fan_in·Var(W)·E[f′(z)²]).
    double fanInTimesVariance = name.StartsWith("ReLU") ? 2 : 1;
    double meanSquaredSlope = preActivations.Take(depth - 1).SelectMany(z => z.Value.ToArray()).Average(z => derivative(z) * derivative(z));
    double predictedFactor = Math.Sqrt(fanInTimesVariance * meanSquaredSlope);
    double measuredFactor = Math.Pow(FrobeniusNorm(preActivations[0].Grad!) / FrobeniusNorm(preActivations[^1].Grad!), 1.0 / (depth - 1));
    summary.Add([name, norms[name][^1], norms[name][0], norms[name][0] / norms[name][^1], measuredFactor, predictedFactor]);
    chart.Line(name, Enumerable.Range(1, depth).Select(l => (double)l).ToArray(), norms[name], colour: Colours.Series[k], markers: true);
}
Table(["stack", $"‖∂L/∂W‖ at layer {depth}", "at layer 1", $"layer 1 / layer {depth}", "‖∂L/∂z‖ factor per layer", "√(fan_in·Var(W)·E[f′(z)²])"], summary);
Picture("gradient-norms.svg", chart.ToSvg());

double sigmoidRatio = norms["sigmoid, Xavier"][0] / norms["sigmoid, Xavier"][^1];
double tanhRatio = norms["tanh, Xavier"][0] / norms["tanh, Xavier"][^1];
double reluRatio = norms["ReLU, Kaiming"][0] / norms["ReLU, Kaiming"][^1];
Check(sigmoidRatio < 1e-6, $"sigmoid: layer 1 receives {G(sigmoidRatio)} of the gradient at layer {depth}, more than six orders of magnitude less");
Check(reluRatio > 0.1 && reluRatio < 10, $"ReLU with Kaiming init keeps it roughly level: layer 1 / layer {depth} = {G(reluRatio)}");
Check(tanhRatio > 0.1 && tanhRatio < 10, $"tanh with Xavier init keeps it roughly level too: layer 1 / layer {depth} = {G(tanhRatio)}");
for (int k = 0; k < stacks.Length; k++)
{
    // The rule of thumb predicts the per-layer factor; check it to 25% (it ignores the correlations between layers).
    double measured = (double)summary[k][4], predicted = (double)summary[k][5];
    Check(Math.Abs(measured / predicted - 1) < 0.25, $"{stacks[k].Name}: ‖∂L/∂z‖ changes by a factor {G(measured)} per layer, within 25% of √(fan_in·Var(W)·E[f′(z)²]) = {G(predicted)}");
}
Say($"For tanh, ∂L/∂z does shrink, by {G((double)summary[1][4])} per layer ({G(Math.Pow((double)summary[1][4], depth - 1))} over "
    + $"{depth - 1} layers), but its activations shrink going up the stack too (‖h‖ entering layer 1 / entering layer {depth}: "
    + $"{G(tanhActivationRatio)}), and ∂L/∂W_l = ∂L/∂z_l·h_{{l−1}}ᵀ multiplies the two, so the weights' gradients stay level.");
Say($"A gradient {G(1 / sigmoidRatio)} times smaller means the first layers of the sigmoid stack barely move while the last "
    + "ones learn: the network trains as if it were shallow. ReLU-like activations (GELU in transformers), initialisations "
    + "matched to the activation, and later residual connections and normalisation, which the GPT lessons meet, are the cures.");

return Finish();

double Derivative(string name, double xv) => derivatives[name][Array.FindIndex(xs, v => Math.Abs(v - xv) < 1e-9)];

static double FrobeniusNorm(Tensor<double> t) => Math.Sqrt(t.ToArray().Sum(v => v * v));
