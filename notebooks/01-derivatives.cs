#!/usr/bin/env dotnet
// Lesson 01 — A derivative by nudging and by rule
//
// The derivative of f at x is the slope of f there: how much f moves per unit that x moves, for a tiny move.
//
//     f′(x) = lim_{h→0} (f(x + h) − f(x)) / h                      (the forward difference, error ∝ h)
//           ≈ (f(x + h) − f(x − h)) / 2h                           (the central difference, error ∝ h²)
//
// A rule gives it exactly: for f(x) = x³ − 2x + 1, f′(x) = 3x² − 2. For a composite y = exp(tanh(x²)),
// the chain rule multiplies the local derivatives along the path from x to y:
//
//     u = x², v = tanh(u), y = exp(v)        dy/dx = dy/dv · dv/du · du/dx = exp(v) · (1 − v²) · 2x
//
// Reverse-mode autograd computes that product from the output back, one local derivative per op: this
// lesson checks Var<double>.Backward() against the rule and against nudging.
//
// Library files to read beside it:  Autograd/Var.cs (the node), Autograd/Var.Backward.cs (the walk),
// Autograd/Ops/Var.Activations.cs (tanh's rule), Autograd/Ops/Var.Elementwise.cs (exp, pow).
//
// Run:  dotnet run notebooks/01-derivatives.cs            (add --quick for the short version the tests run)
#:project ../Gpt/Scratch.Gpt.csproj
#:property PublishAot=false
#:include shared/Lesson.cs
using Scratch.Autograd;
using Scratch.Gpt.Plots;
using Scratch.Lessons;
using Scratch.Tensors;
using static Scratch.Lessons.Lesson;

Start(args, "01", "a derivative by nudging and by rule");

// ---------------------------------------------------------------------------------------------------------
Section("1. Nudging x");
static double F(double x) => x * x * x - 2 * x + 1;
static double DfByRule(double x) => 3 * x * x - 2;
double x0 = 1.5, exact = DfByRule(x0);
Say($"f(x) = x³ − 2x + 1. At x = {G(x0)}, f(x) = {G(F(x0))}, and the rule 3x² − 2 gives the slope f′(x) = {G(exact)}.");
Say("Nudge x by h and watch f: the ratio (change in f) / h approaches the slope as h shrinks.");

double[] hs = Quick ? [1e-1, 1e-2, 1e-3, 1e-4] : [1, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6];
var rows = new List<object[]>();
var forwardErrors = new List<double>();
var centralErrors = new List<double>();
foreach (double h in hs)
{
    double forward = (F(x0 + h) - F(x0)) / h, central = (F(x0 + h) - F(x0 - h)) / (2 * h);
    forwardErrors.Add(Math.Abs(forward - exact));
    centralErrors.Add(Math.Abs(central - exact));
    rows.Add([h, forward, forwardErrors[^1], central, centralErrors[^1]]);
}
Table(["h", "(f(x+h) − f(x)) / h", "error", "(f(x+h) − f(x−h)) / 2h", "error"], rows);
int i1 = Array.IndexOf(hs, 1e-2), i2 = Array.IndexOf(hs, 1e-3);
double forwardRatio = forwardErrors[i1] / forwardErrors[i2], centralRatio = centralErrors[i1] / centralErrors[i2];
Say($"From h = 0.01 to h = 0.001 the forward difference's error shrank {forwardRatio:F1}×, the central one's {centralRatio:F1}×.");
Say("Taylor says why: f(x ± h) = f(x) ± h·f′(x) + h²/2·f″(x) ± h³/6·f‴(x) + …; the forward difference keeps the "
    + "h/2·f″ term, the central difference cancels it and keeps only h²/6·f‴. Here f″(x) = 6x = 9 and f‴ = 6, so the "
    + "errors are 4.5·h and h².");
Check(forwardRatio > 9 && forwardRatio < 11, $"the forward error falls like h (10× smaller h, {forwardRatio:F2}× smaller error)");
Check(centralRatio > 90 && centralRatio < 110, $"the central error falls like h² (10× smaller h, {centralRatio:F1}× smaller error)");
Close(forwardErrors[i2], 4.5 * 1e-3, 0.01, "forward error at h = 0.001 against 4.5·h");
Close(centralErrors[i2], 1e-6, 1e-3, "central error at h = 0.001 against h²");

// The picture: f, its tangent at x0, and secants through (x0, f(x0)) and (x0 + h, f(x0 + h)) that tilt towards it.
var xs = Enumerable.Range(0, 121).Select(i => -0.5 + 3.0 * i / 120).ToArray();
var chart = new Chart("secants (x₀, x₀ + h) approach the tangent at x₀ = 1.5", "x", "f(x) = x³ − 2x + 1")
    { YRange = (-2, 12), XRange = (-0.5, 2.5), Legend = Corner.TopLeft };
chart.Line("f(x)", xs, xs.Select(F).ToArray(), colour: "black", width: 2.5);
chart.Line($"tangent, slope {G(exact)}", xs, xs.Select(x => F(x0) + exact * (x - x0)).ToArray(), colour: Colours.Series[3]);
foreach (var (h, k) in new[] { (1.0, 0), (0.5, 1), (0.25, 2) })
{
    double slope = (F(x0 + h) - F(x0)) / h;
    chart.Line($"secant h = {h}, slope {G(slope)}", xs, xs.Select(x => F(x0) + slope * (x - x0)).ToArray(), colour: Colours.Series[k], width: 1.2, dashed: true);
}
chart.Points(null, [x0], [F(x0)], colour: "black", radius: 4);
Picture("secants.svg", chart.ToSvg());

// ---------------------------------------------------------------------------------------------------------
Section("2. The chain rule, by hand and by Backward()");
double xv = 0.7;
double u = xv * xv, v = Math.Tanh(u), y = Math.Exp(v);
double dy_dv = Math.Exp(v), dv_du = 1 - v * v, du_dx = 2 * xv;
double byHand = dy_dv * dv_du * du_dx;
Say($"y = exp(tanh(x²)) at x = {G(xv)}. Forward: u = x² = {G(u)}, v = tanh(u) = {G(v)}, y = exp(v) = {G(y)}.");
Table(["step", "local derivative", "formula", "value"],
[
    ["y = exp(v)", "dy/dv", "exp(v)", dy_dv],
    ["v = tanh(u)", "dv/du", "1 − v²", dv_du],
    ["u = x²", "du/dx", "2x", du_dx],
    ["product", "dy/dx", "exp(v)·(1 − v²)·2x", byHand],
]);

var xVar = new Var<double>(Tensor<double>.Scalar(xv), requiresGrad: true, name: "x");
var uVar = xVar.Pow(2.0);
var vVar = uVar.Tanh();
var yVar = vVar.Exp();
yVar.Backward();
double byAutograd = xVar.Grad!.Item();
double byNudging = (Math.Exp(Math.Tanh((xv + 1e-6) * (xv + 1e-6))) - Math.Exp(Math.Tanh((xv - 1e-6) * (xv - 1e-6)))) / 2e-6;
Say("Backward() walks the same path from y back to x. It seeds ∂y/∂y = 1, then each op multiplies by its local derivative:");
Table(["node", "value", "∂y/∂node (Backward)", "by hand"],
[
    ["y", yVar.Value.Item(), yVar.Grad!.Item(), 1.0],
    ["v", vVar.Value.Item(), vVar.Grad!.Item(), dy_dv],
    ["u", uVar.Value.Item(), uVar.Grad!.Item(), dy_dv * dv_du],
    ["x", xVar.Value.Item(), byAutograd, byHand],
]);
Close(byAutograd, byHand, 1e-14, "dy/dx by Backward() equals the chain rule by hand");
Close(vVar.Grad!.Item(), dy_dv, 1e-14, "∂y/∂v, the gradient Backward() left at the middle node");
Close(byNudging, byHand, 1e-8, "dy/dx by nudging x (central difference, h = 1e-6)");

// ---------------------------------------------------------------------------------------------------------
Section("3. Several inputs: one backward pass gives every partial derivative");
double a = 2, b = -1.5;
static double G2(double a, double b) => a * b + b * b * b;
Say($"f(a, b) = a·b + b³ at a = {G(a)}, b = {G(b)}. By rule ∂f/∂a = b = {G(b)} and ∂f/∂b = a + 3b² = {G(a + 3 * b * b)}.");
var aVar = new Var<double>(Tensor<double>.Scalar(a), requiresGrad: true, name: "a");
var bVar = new Var<double>(Tensor<double>.Scalar(b), requiresGrad: true, name: "b");
var fVar = aVar * bVar + bVar * bVar * bVar;
fVar.Backward();
double h2 = 1e-6;
double nudgeA = (G2(a + h2, b) - G2(a - h2, b)) / (2 * h2), nudgeB = (G2(a, b + h2) - G2(a, b - h2)) / (2 * h2);
Table(["input", "rule", "Backward()", "nudging (2 evaluations each)"],
[
    ["a", b, aVar.Grad!.Item(), nudgeA],
    ["b", a + 3 * b * b, bVar.Grad!.Item(), nudgeB],
]);
Say("Nudging needs two evaluations of f per input; a model with a million parameters would need two million. "
    + "Backward() needs one pass back through the graph, whatever the number of inputs: that is why training uses "
    + "reverse mode.");
Close(aVar.Grad!.Item(), b, 1e-14, "∂f/∂a by Backward() equals the rule");
Close(bVar.Grad!.Item(), a + 3 * b * b, 1e-14, "∂f/∂b by Backward() equals the rule");
Close(nudgeB, a + 3 * b * b, 1e-8, "∂f/∂b by nudging equals the rule");

return Finish();
