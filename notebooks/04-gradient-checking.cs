#!/usr/bin/env dotnet
// Lesson 04 — Gradient checking
//
// A backward rule is written by hand, so it can be wrong. A gradient check compares it with calculus itself:
// nudge each input and watch the loss.
//
//     one-sided   f′(x) ≈ (f(x + h) − f(x)) / h              truncation error ≈ h/2 · |f″|
//     central     f′(x) ≈ (f(x + h) − f(x − h)) / 2h         truncation error ≈ h²/6 · |f‴|
//
// Shrinking h shrinks the truncation error, but every f value carries a rounding error of up to ε/2 of its
// size (ε = 2⁻⁵² ≈ 2.2e-16 in float64, 2⁻²³ ≈ 1.2e-7 in float32), and the difference of two nearly equal
// numbers keeps that absolute error while the difference itself shrinks with h. Relative to f′ (for f = eˣ,
// where f = f′ = f″ = f‴, so the constants are exactly these):
//
//     one-sided   error(h) ≲ h/2  + ε/h       smallest at h* = √(2ε)          ≈ √ε
//     central     error(h) ≲ h²/6 + ε/(2h)    smallest at h* = (3ε/2)^(1/3)   ≈ ε^(1/3)
//
// On log–log axes each curve is a V: slope 1 or 2 on the right (truncation), slope −1 on the left (rounding).
// In float64 the central difference reaches ~1e-11; in float32 only ~1e-5, which is why gradient checks run
// in float64. Scratch's GradCheck does exactly this for every element of every input of a function built
// from Var ops, with L = Σ w ⊙ f(x) for fixed random weights w, and reports the worst element.
//
// Library files to read beside it: Autograd/GradCheck.cs and Autograd/GradCheckResult.cs (the check and its
// report), Autograd/Ops/Var.Custom.cs (an op with a hand-written backward rule, used below),
// Autograd/Ops/Var.Activations.cs (Sigmoid).
//
// Run:  dotnet run notebooks/04-gradient-checking.cs            (add --quick for the short version the tests run)
#:project ../Gpt/Scratch.Gpt.csproj
#:property PublishAot=false
#:include shared/Lesson.cs
using Scratch.Autograd;
using Scratch.Gpt.Plots;
using Scratch.Lessons;
using Scratch.Tensors;
using static Scratch.Lessons.Lesson;

Start(args, "04", "gradient checking");

// ---------------------------------------------------------------------------------------------------------
Section("1. One-sided and central differences, in float64 and float32");
double eps64 = Math.Pow(2, -52), eps32 = Math.Pow(2, -23); // machine epsilon: the gap after 1
Check(1.0 + eps64 != 1.0 && 1.0 + eps64 / 2 == 1.0, $"float64's ε = 2⁻⁵² = {G(eps64)}: 1 + ε is the next number after 1");
Check(1f + (float)eps32 != 1f && 1f + (float)eps32 / 2 == 1f, $"float32's ε = 2⁻²³ = {G(eps32)}: 1 + ε is the next float after 1");
Say("f(x) = eˣ, whose derivative is itself, so the exact answer is known and f = f′ = f″ = f‴ makes the theory's "
    + "constants exact. For each step h the relative error |estimate − eˣ| / eˣ is measured at many points x in [0, 1] "
    + "(the root mean square over them), because a single x gives a ragged curve: rounding errors sometimes cancel by luck.");

int pointsX = Quick ? 64 : 256;
double[] xs = [.. Enumerable.Range(0, pointsX).Select(i => (i + 0.5) / pointsX)];
double[] hs = [.. Enumerable.Range(0, 97).Select(k => Math.Pow(10, -k / 8.0))]; // 1 down to 1e-12, 8 steps a decade
double[] oneSided64 = new double[hs.Length], central64 = new double[hs.Length], oneSided32 = new double[hs.Length], central32 = new double[hs.Length];
for (int k = 0; k < hs.Length; k++)
{
    double h = hs[k];
    float hf = (float)h;
    double so64 = 0, sc64 = 0, so32 = 0, sc32 = 0;
    foreach (double x in xs)
    {
        double exact = Math.Exp(x);
        so64 += Square(((Math.Exp(x + h) - Math.Exp(x)) / h - exact) / exact);
        sc64 += Square(((Math.Exp(x + h) - Math.Exp(x - h)) / (2 * h) - exact) / exact);
        float xf = (float)x; // the same computation, every number a float
        double exact32 = Math.Exp((double)xf);
        so32 += Square(((MathF.Exp(xf + hf) - MathF.Exp(xf)) / hf - exact32) / exact32);
        sc32 += Square(((MathF.Exp(xf + hf) - MathF.Exp(xf - hf)) / (2 * hf) - exact32) / exact32);
    }
    (oneSided64[k], central64[k]) = (Math.Sqrt(so64 / xs.Length), Math.Sqrt(sc64 / xs.Length));
    (oneSided32[k], central32[k]) = (Math.Sqrt(so32 / xs.Length), Math.Sqrt(sc32 / xs.Length));
}
int At(double h) => Array.FindIndex(hs, v => Math.Abs(Math.Log10(v / h)) < 1e-9);
Table(["h", "one-sided f64", "central f64", "one-sided f32", "central f32"],
    new double[] { 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-8, 1e-10 }.Select(h =>
        (IReadOnlyList<object>)[h, oneSided64[At(h)], central64[At(h)], oneSided32[At(h)], central32[At(h)]]));
int firstLost = Array.FindIndex(hs, h => xs.All(x => (float)x + (float)h == (float)x)); // x + h == x for every x
Say("Reading down a column: the error first falls as h shrinks, then rises again. Reading across: the central difference "
    + "beats the one-sided one until rounding takes over, and float32's errors start rising at a far larger h than float64's. "
    + "Where x + h rounds back to x in float32, the estimate is 0 and the error 100%; "
    + $"from h = {G(hs[firstLost])} down that happens at every x here.");
Check(oneSided32[firstLost] == 1 && central32[firstLost] == 1, $"at h = {G(hs[firstLost])} both float32 estimates are exactly 0 (error 1)");
Check(central64[At(1e-5)] < 1e-9 && central32[At(1e-5)] > 1e-4,
    $"at GradCheck's step h = 1e-5 the central difference is good to {G(central64[At(1e-5)])} in float64 but only {G(central32[At(1e-5)])} in float32");

// ---------------------------------------------------------------------------------------------------------
Section("2. The error against the step: truncation falls as h or h², rounding grows as ε/h");
// Slope of log(error) against log(h), fitted by least squares over the steps in [lo, hi].
double Slope(double[] errors, double lo, double hi)
{
    var pts = hs.Select((h, k) => (X: Math.Log10(h), Y: Math.Log10(errors[k]))).Where(p => p.X >= Math.Log10(lo) - 1e-9 && p.X <= Math.Log10(hi) + 1e-9).ToList();
    double mx = pts.Average(p => p.X), my = pts.Average(p => p.Y);
    return pts.Sum(p => (p.X - mx) * (p.Y - my)) / pts.Sum(p => (p.X - mx) * (p.X - mx));
}
double slopeOneTrunc = Slope(oneSided64, 1e-4, 1e-2), slopeCentralTrunc = Slope(central64, 1e-3, 1e-1);
double slopeOneRound = Slope(oneSided64, 1e-12, 1e-10), slopeCentralRound = Slope(central64, 1e-12, 1e-9);
Table(["float64", "slope where h is large (truncation)", "slope where h is tiny (rounding)"],
[
    ["one-sided", slopeOneTrunc, slopeOneRound],
    ["central", slopeCentralTrunc, slopeCentralRound],
]);
Close(slopeOneTrunc, 1, 0.05, "one-sided truncation error ∝ h¹ (log–log slope)");
Close(slopeCentralTrunc, 2, 0.05, "central truncation error ∝ h² (log–log slope)");
Close(slopeOneRound, -1, 0.25, "one-sided rounding error ∝ ε/h (slope −1)");
Close(slopeCentralRound, -1, 0.25, "central rounding error ∝ ε/h (slope −1)");

// The best step found on the grid, against the minimum of the error bound.
var cases = new (string Name, double[] Errors, double Eps, bool Central)[]
{
    ("one-sided float64", oneSided64, eps64, false), ("central float64", central64, eps64, true),
    ("one-sided float32", oneSided32, eps32, false), ("central float32", central32, eps32, true),
};
static double Bound(double h, double eps, bool central) => central ? h * h / 6 + eps / (2 * h) : h / 2 + eps / h;
static double BestH(double eps, bool central) => central ? Math.Cbrt(1.5 * eps) : Math.Sqrt(2 * eps);
var rows = new List<object[]>();
var best = new Dictionary<string, (double H, double Error)>();
foreach (var (name, errors, eps, central) in cases)
{
    int k = Array.IndexOf(errors, errors.Min());
    best[name] = (hs[k], errors[k]);
    double hTheory = BestH(eps, central);
    rows.Add([name, hs[k], errors[k], central ? Math.Cbrt(eps) : Math.Sqrt(eps), hTheory, Bound(hTheory, eps, central)]);
}
Table(["difference", "best h measured", "its error", "ε^(1/3) or √ε", "h* of the bound", "bound at h*"], rows);
foreach (var (name, _, eps, central) in cases)
{
    double ratio = best[name].H / BestH(eps, central);
    Check(ratio > 0.3 && ratio < 3.3, $"{name}: the best measured step is {G(ratio)}× the bound's h* (within half a decade)");
}
Say("The measured errors sit a little below the bounds (the bounds take the worst rounding, the measurement a typical one), "
    + "so the measured best steps are a little smaller than h*. The lesson for a gradient check: in float64, with a central "
    + $"difference at h ≈ 1e-5 to 1e-6, expect agreement to ~{G(best["central float64"].Error)}; in float32 the best "
    + $"possible is ~{G(best["central float32"].Error)}, at h ≈ {G(best["central float32"].H)}, and only if you know to pick it.");
Check(best["central float32"].Error > 1e4 * best["central float64"].Error,
    $"float32's best central error is {G(best["central float32"].Error / best["central float64"].Error)}× float64's");

var panels = new List<string>();
foreach (var (precision, eps, yLo) in new[] { ("float64", eps64, 1e-12), ("float32", eps32, 1e-7) })
{
    var chart = new Chart($"error of f′ estimates against the step h ({precision})", "step h", "relative error (RMS over x)")
        { LogX = true, LogY = true, XRange = (1e-12, 1), YRange = (yLo, 10), Legend = Corner.BottomLeft, Width = 560 };
    foreach (var (name, errors, _, central) in cases.Where(c => c.Name.EndsWith(precision)))
    {
        string colour = central ? Colours.Series[0] : Colours.Series[1], kind = central ? "central" : "one-sided";
        chart.Line($"{kind}, measured", hs, errors, colour: colour);
        chart.Line(central ? "h²/6 + ε/2h" : "h/2 + ε/h", hs, [.. hs.Select(h => Bound(h, eps, central))], colour: colour, width: 1.2, dashed: true);
        chart.Points(null, [best[name].H], [best[name].Error], colour: "black", radius: 4, labels: [$"h = {Short(best[name].H)}"]);
    }
    panels.Add(chart.ToSvg());
}
Picture("error-vs-step.svg", Figure.Grid(panels, 2));

// ---------------------------------------------------------------------------------------------------------
Section("3. GradCheck catches a wrong backward rule");
Say("SiLU (also called swish) is y = x·σ(x). By the product rule its derivative is σ(x) + x·σ′(x) = σ(x)·(1 + x·(1 − σ(x))). "
    + "A tempting mistake is to differentiate σ and multiply by x, forgetting the first term: x·σ(x)·(1 − σ(x)).");
static Tensor<double> Silu(Tensor<double> x) => x * x.Sigmoid();
static Tensor<double> RightRule(Tensor<double> x) { var s = x.Sigmoid(); return s * (1.0 + x * (1.0 - s)); }
static Tensor<double> WrongRule(Tensor<double> x) { var s = x.Sigmoid(); return x * s * (1.0 - s); } // forgot σ(x)

// An op whose backward is the rule we wrote: Var.Custom records a value we computed with the backward rule we give
// it (PyTorch's torch.autograd.Function). GradCheck nudges x and recomputes f(x) through it, so it compares our rule
// with the true derivative of f.
static Var<double> WithRule(Var<double> x, Func<Tensor<double>, Tensor<double>> f, Func<Tensor<double>, Tensor<double>> rule) =>
    Var<double>.Custom("silu", f(x.Value), [x], dy => [dy * rule(x.Value)]); // ∂L/∂x = ∂L/∂y ⊙ rule(x)

var input = Tensor<double>.Randn(new Rng(4), 2, 3) * 2.0; // (2, 3)
var right = GradCheck.Run(v => WithRule(v[0], Silu, RightRule), [input]);
var wrong = GradCheck.Run(v => WithRule(v[0], Silu, WrongRule), [input]);
var composite = GradCheck.Run(v => v[0] * v[0].Sigmoid(), [input]); // built from Mul and Sigmoid: its gradient comes free
Say("GradCheck.Run(f, [x]) at a random x of shape [2, 3], with its defaults (central differences, ε = 1e-5, float64). Its reports:");
Console.WriteLine($"  right rule:       {right}");
Console.WriteLine($"  wrong rule:       {wrong}");
Console.WriteLine($"  x·σ(x) composite: {composite}");
Console.WriteLine();
Check(right.Passed(1e-6) && composite.Passed(1e-6), "the right rule and the composite pass GradCheck at tolerance 1e-6");
Check(!wrong.Passed(1e-6), $"the wrong rule fails it: worst relative error {G(wrong.RelativeError)}");
var (i, j) = (wrong.Index[0], wrong.Index[1]);
double xi = input[i, j], reportRatio = wrong.Analytic / wrong.Numeric; // the weight w[i,j] of L = Σ w ⊙ f(x) cancels in the ratio
Close(reportRatio, WrongRule(input)[i, j] / RightRule(input)[i, j], 1e-8,
    $"at the reported element [{i},{j}] (x = {G(xi)}), analytic / numeric = wrong rule / true derivative there");
Say("The report names the element where the rule is most wrong, with both numbers: enough to go and look at that x. "
    + "(Its relative error is |a − n| / max(|a|, |n|, 1e-3), so an error above 1 means the two disagree in sign.)");
Check(wrong.Analytic * wrong.Numeric < 0, $"here the wrong rule even has the wrong sign: {G(wrong.Analytic)} against {G(wrong.Numeric)}");
Say("Why the check runs in float64: the same check in float32 cannot tell a right rule from a slightly wrong one. "
    + "Below, each rule's worst relative error over the 6 elements when the numeric gradient is computed in float32, "
    + "for L = Σ w ⊙ SiLU(x) with GradCheck's kind of random weights w.");
var w = Tensor<double>.Randn(new Rng(0), 2, 3).ToArray();
double[] x64 = input.ToArray();
// The worst relative error over the elements, and the size of the gradient there, when the numeric gradient of
// L = Σ w ⊙ SiLU(x) is taken in float32 with step h.
(double Error, double Gradient) Worst32(Func<Tensor<double>, Tensor<double>> rule, float h)
{
    float Loss(float[] x)
    {
        float sum = 0;
        for (int k = 0; k < x.Length; k++)
        {
            sum += (float)w[k] * x[k] / (1 + MathF.Exp(-x[k])); // w · x·σ(x)
        }
        return sum;
    }
    var analytic = rule(input).ToArray();
    float[] x32 = [.. x64.Select(v => (float)v)];
    (double Error, double Gradient) worst = (0, 0);
    for (int k = 0; k < x32.Length; k++)
    {
        float keep = x32[k];
        x32[k] = keep + h;
        float plus = Loss(x32);
        x32[k] = keep - h;
        float minus = Loss(x32);
        x32[k] = keep;
        double numeric = (plus - minus) / (2.0 * h), a = w[k] * analytic[k];
        double error = Math.Abs(a - numeric) / Math.Max(Math.Max(Math.Abs(a), Math.Abs(numeric)), 1e-3);
        if (error > worst.Error)
        {
            worst = (error, Math.Abs(a));
        }
    }
    return worst;
}
static Tensor<double> OffBy(Tensor<double> x, double fraction) => RightRule(x) * (1 + fraction); // a rule slightly too large
float bestH32 = (float)best["central float32"].H;
var table = new List<object[]>();
var worst = new Dictionary<double, (double F64, (double Error, double Gradient) F32, (double Error, double Gradient) F32Best)>();
foreach (double off in new[] { 0.0, 1e-3, 1e-5 })
{
    var check64 = GradCheck.Run(v => WithRule(v[0], Silu, x => OffBy(x, off)), [input]);
    worst[off] = (check64.RelativeError, Worst32(x => OffBy(x, off), 1e-5f), Worst32(x => OffBy(x, off), bestH32));
    table.Add([off == 0 ? "right" : $"{off * 100}% too large", worst[off].F64, worst[off].F32.Error, worst[off].F32Best.Error]);
}
Table(["rule", "float64 GradCheck (ε = 1e-5)", "float32 (h = 1e-5)", $"float32 (h = {G(bestH32)}, best for eˣ)"], table);
Check(worst[0].F64 < 1e-8 && worst[1e-5].F64 > 5e-6,
    $"float64 separates all three: the right rule agrees to {G(worst[0].F64)}, a 0.001% error shows as {G(worst[1e-5].F64)}");
Check(worst[0].F32.Error > 100 * 1e-3,
    $"float32 at GradCheck's step cannot: its own error on the right rule ({G(worst[0].F32.Error)}) hides a 0.1% error 100 times over");
Check(worst[0].F32Best.Error > 1e-3,
    $"float32 at the best step for eˣ does better, but its error on the right rule ({G(worst[0].F32Best.Error)}) still hides the 0.1% error");
var rightGradients = RightRule(input).ToArray().Select((g, k) => Math.Abs(w[k] * g)).ToArray();
Check(worst[0].F32Best.Gradient == rightGradients.Min(),
    $"float32's worst element is the one with the smallest gradient ({G(rightGradients.Min())}; the largest is {G(rightGradients.Max())})");
Say("There the same absolute rounding error is a large relative one. Float64's margin is wide enough that one default "
    + "step serves every function and every element.");

return Finish();

static double Square(double v) => v * v;

static string Short(double v) => v.ToString("0.0e0", System.Globalization.CultureInfo.InvariantCulture); // 5.6e-3
