#!/usr/bin/env dotnet
// Lesson 11 — A network learns: two spirals
//
// Two classes of points wound around each other in the plane: no straight line separates them. A two-layer
// network (one hidden layer of H tanh units) can:
//
//     h = tanh(x·W₁ᵀ + b₁)            x (N, 2) → h (N, H)         each unit: a soft step across the line w·x + b = 0
//     z = h·W₂ᵀ + b₂                  h (N, H) → z (N, 2)         a weighted vote of the steps, one score per class
//     p = softmax(z)                  L = −1/N · Σᵢ log p[i, yᵢ]    (cross-entropy)
//
// Backward() gives ∂L/∂W₁, ∂L/∂b₁, ∂L/∂W₂, ∂L/∂b₂; Adam moves them. The lesson draws the decision boundary —
// where p(class 1) = ½ — at a few moments of training: the lines bend, one step at a time, into a spiral.
//
// Library files to read beside it: Nn/Modules/Linear.cs, Nn/Modules/Tanh.cs, Nn/Modules/Sequential.cs,
// Nn/Losses/Losses.cs (CrossEntropy), Autograd/Ops/Var.CrossEntropy.cs (its backward: softmax − one-hot),
// Nn/Optimizers/Adam.cs, Gpt/Plots/Figure.cs (the grid of panels).
//
// Run:  dotnet run notebooks/11-a-network-learns.cs            (add --quick for the short version the tests run)
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

Start(args, "11", "a network learns two spirals");

// ---------------------------------------------------------------------------------------------------------
Section("1. Two spirals");
const int perClass = 150, hidden = 64;
const double turns = 1.5, noise = 0.02;
(double[] X, double[] Y, int[] Labels) Spirals(Rng rng)
{
    double[] xs = new double[2 * perClass], ys = new double[2 * perClass];
    int[] labels = new int[2 * perClass];
    for (int i = 0; i < 2 * perClass; i++)
    {
        int label = i % 2;
        double t = 0.1 + 0.9 * rng.NextDouble();                     // how far along the arm, 0.1 … 1
        double angle = 2 * Math.PI * turns * t + Math.PI * label;    // the second arm is the first turned by 180°
        xs[i] = t * Math.Cos(angle) + noise * rng.NextNormal();
        ys[i] = t * Math.Sin(angle) + noise * rng.NextNormal();
        labels[i] = label;
    }
    return (xs, ys, labels);
}
var train = Spirals(new Rng(11));
var test = Spirals(new Rng(111));
Var<double> Inputs(double[] xs, double[] ys) =>
    new(Tensor<double>.FromArray(xs.Zip(ys, (x, y) => new[] { x, y }).SelectMany(p => p).ToArray(), xs.Length, 2)); // (N, 2)
var trainInputs = Inputs(train.X, train.Y);
var testInputs = Inputs(test.X, test.Y);
Say($"{2 * perClass} training points, two arms of {turns} turns each (class 0 and class 1), with noise {noise}; a second set "
    + $"of {2 * perClass} drawn the same way to test on. The network: Linear(2, {hidden}) → tanh → Linear({hidden}, 2), "
    + $"{2 * hidden + hidden + 2 * hidden + 2} parameters, trained with Adam on the cross-entropy of all training points at once.");

// ---------------------------------------------------------------------------------------------------------
Section("2. Training, and the boundary as it forms");
var model = new Sequential<double>(new Linear<double>(2, hidden, new Rng(1)), new Tanh<double>(), new Linear<double>(hidden, 2, new Rng(2)));
var optimizer = new Adam<double>(model.Parameters(), lr: 0.01);
int steps = Quick ? 600 : 3000;
int[] snapshots = Quick ? [0, 50, 150, 300, 450, 600] : [0, 100, 300, 1000, 2000, 3000];
double Accuracy(Var<double> inputs, int[] labels)
{
    using var noGrad = GradMode.NoGrad();
    var predicted = model.Forward(inputs).Value.ArgMax(1).ToArray(); // the class with the larger score
    return labels.Where((label, i) => (int)predicted[i] == label).Count() / (double)labels.Length;
}
// The picture of one moment: p(class 1) over a grid of the plane, the training points on top.
const int n = 60;
double[] grid = Enumerable.Range(0, n).Select(i => -1.2 + 2.4 * i / (n - 1)).ToArray();
var gridInputs = Inputs([.. grid.SelectMany(_ => grid)], [.. grid.SelectMany(y => grid.Select(_ => y))]); // row j, column i: (grid[i], grid[j])
string Panel(int step, double loss, double accuracy)
{
    using var noGrad = GradMode.NoGrad();
    var p = model.Forward(gridInputs).Softmax(1).Value; // (n·n, 2)
    var p1 = new double[n, n];
    for (int j = 0; j < n; j++)
    {
        for (int i = 0; i < n; i++)
        {
            p1[j, i] = p[j * n + i, 1];
        }
    }
    var chart = new Chart($"step {step}: loss {loss.ToString("G3")}, accuracy {100 * accuracy:F1}%", "x₁", "x₂")
        { Width = 360, Height = 340, XRange = (-1.2, 1.2), YRange = (-1.2, 1.2) };
    chart.Heatmap(p1, grid, grid, scale: t => Colours.BlueWhiteRed(0.2 + 0.6 * t), lo: 0, hi: 1); // pale blue (class 0) to pale red (class 1)
    chart.Contour(p1, grid, grid, [0.5], colour: "black", width: 1.5);
    chart.Points(null, train.X, train.Y, radius: 2.5, colours: train.Labels.Select(c => c == 0 ? "#2a4fd6" : "#c0122a").ToArray());
    return chart.ToSvg();
}
// Where backpropagation starts: for the cross-entropy of softmax(z), ∂L/∂z[i, c] = (p[i, c] − [c = yᵢ]) / N.
var logits = model.Forward(trainInputs); // (N, 2)
Loss.CrossEntropy(logits, train.Labels).Backward();
var probabilities = logits.Value.Softmax(1);
double worstLogitGradient = 0;
for (int i = 0; i < train.Labels.Length; i++)
{
    for (int c = 0; c < 2; c++)
    {
        double byRule = (probabilities[i, c] - (train.Labels[i] == c ? 1 : 0)) / train.Labels.Length;
        worstLogitGradient = Math.Max(worstLogitGradient, Math.Abs(logits.Grad![i, c] - byRule));
    }
}
Check(worstLogitGradient < 1e-15, $"Backward() sends ∂L/∂z = (softmax(z) − one-hot(y)) / N into the last layer (largest difference {G(worstLogitGradient)})");
Say("That error signal, predicted probability minus the truth, is what flows back through W₂ and the tanh into W₁; the "
    + "step below then moves every weight against its gradient.");
var panels = new List<string>();
var rows = new List<object[]>();
var losses = new List<double>();
for (int step = 0; step <= steps; step++)
{
    optimizer.ZeroGrad();
    var loss = Loss.CrossEntropy(model.Forward(trainInputs), train.Labels);
    losses.Add(loss.Value.Item());
    if (snapshots.Contains(step))
    {
        double accuracy = Accuracy(trainInputs, train.Labels);
        rows.Add([step, losses[^1], $"{100 * accuracy:F1}%"]);
        panels.Add(Panel(step, losses[^1], accuracy));
    }
    if (step == steps)
    {
        break;
    }
    loss.Backward();
    optimizer.Step();
}
Table(["step", "loss", "training accuracy"], rows);
Picture("boundary.svg", Figure.Grid(panels, columns: 3));
Say("In each panel the black curve is the boundary p(class 1) = ½ and the colours are p itself (blue towards class 0, red "
    + "towards class 1); the title's loss and accuracy are computed on the training points at that step. At step 0 the "
    + $"boundary is wherever the random weights put it. Each step nudges the {hidden} hidden units' lines and their votes a "
    + "little downhill in the loss, and the boundary bends with them until it winds between the arms.");

// ---------------------------------------------------------------------------------------------------------
Section("3. How well did it learn?");
double trainAccuracy = Accuracy(trainInputs, train.Labels), testAccuracy = Accuracy(testInputs, test.Labels);
double chance = Math.Max(train.Labels.Count(c => c == 0), train.Labels.Count(c => c == 1)) / (double)train.Labels.Length;
Say($"After {steps} steps: training accuracy {100 * trainAccuracy:F1}%, accuracy on the {test.Labels.Length} fresh test points "
    + $"{100 * testAccuracy:F1}%, against {100 * chance:F0}% for always guessing the larger class. The loss fell from "
    + $"{G(losses[0])} (about log 2 = {G(Math.Log(2))}, a coin toss) to {G(losses[^1])}.");
Close(losses[0], Math.Log(2), 0.05, "the untrained network's loss is near log 2: it guesses about ½ for every point");
Check(trainAccuracy >= 0.95, $"training accuracy {100 * trainAccuracy:F1}% ≥ 95%");
Check(testAccuracy >= 0.95, $"test accuracy {100 * testAccuracy:F1}% ≥ 95% on points the network never saw");
Check(losses[^1] < losses[0] / 5, $"the loss fell more than fivefold, from {G(losses[0])} to {G(losses[^1])}");

var lossChart = new Chart("training loss", "step", "cross-entropy") { LogY = true, YRange = (Math.Pow(10, Math.Floor(Math.Log10(losses.Min()))), 2) };
lossChart.Line(null, Enumerable.Range(0, losses.Count).Select(t => (double)t).ToArray(), [.. losses]);
lossChart.HLine(Math.Log(2), "log 2: a coin toss");
Picture("loss.svg", lossChart.ToSvg());

return Finish();
