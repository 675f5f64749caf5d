#!/usr/bin/env dotnet
// Lesson 12 — Layer norm by hand
//
// Layer norm rescales each row of C numbers (one position's features) to mean 0 and variance 1, then gives
// every channel i its own gain γᵢ and shift βᵢ:
//
//     μ = (1/C) Σⱼ xⱼ      σ² = (1/C) Σⱼ (xⱼ − μ)²      s = √(σ² + ε)      x̂ᵢ = (xᵢ − μ) / s      yᵢ = γᵢ·x̂ᵢ + βᵢ
//
// Backward, given dy = ∂L/∂y. The parameters are the easy part (γ and β are shared by every row, so their
// gradients sum over the rows, as a broadcast bias's does in lesson 05):
//
//     dβᵢ = Σ_rows dyᵢ        dγᵢ = Σ_rows dyᵢ·x̂ᵢ        dx̂ᵢ = dyᵢ·γᵢ
//
// The input is the hard part, because every x̂ᵢ depends on every xⱼ of its row, through μ and through s.
// With ∂μ/∂xⱼ = 1/C and ∂s/∂xⱼ = (1/2s)·(2/C)·(xⱼ − μ) = x̂ⱼ/C (the term with Σ(x − μ) = 0 drops out):
//
//     ∂x̂ᵢ/∂xⱼ = ([i = j] − 1/C)/s − (xᵢ − μ)/s² · x̂ⱼ/C = (1/s)·([i = j] − 1/C − x̂ᵢ·x̂ⱼ/C)
//
// and summing against dx̂ᵢ,
//
//     dxⱼ = Σᵢ dx̂ᵢ · ∂x̂ᵢ/∂xⱼ = (1/s)·(dx̂ⱼ − mean(dx̂) − x̂ⱼ·mean(dx̂ ⊙ x̂))
//
// The three terms: the direct path; the path through μ (every x̂ moves when μ does); the path through s.
// Geometrically dx is dx̂/s with its components along (1, …, 1) and along x̂ removed: shifting a row, or
// (with ε = 0) scaling it, does not change x̂, so the loss cannot care about those directions.
//
// This lesson writes forward and backward with plain tensors, and checks them against Scratch's fused
// Var<T>.LayerNorm and against the same formula composed of primitive Var ops, whose gradient comes for free.
//
// Library files to read beside it: Autograd/Ops/Var.LayerNorm.cs (the fused op, the same formula in one pass
// per row), Autograd/Ops/Var.Reductions.cs (Mean), Autograd/Ops/Var.Elementwise.cs (Pow, Sqrt),
// Autograd/Ops/Var.Arithmetic.cs (Sub, Div, Mul, Add with their SumTo), Autograd/GradCheck.cs.
//
// Run:  dotnet run notebooks/12-layer-norm.cs            (add --quick for the short version the tests run)
#:project ../Gpt/Scratch.Gpt.csproj
#:property PublishAot=false
#:include shared/Lesson.cs
using Scratch.Autograd;
using Scratch.Gpt.Plots;
using Scratch.Lessons;
using Scratch.Tensors;
using static Scratch.Lessons.Lesson;

Start(args, "12", "layer norm by hand");
const double Eps = 1e-5;
int B = Quick ? 2 : 4, T = Quick ? 3 : 8, C = Quick ? 16 : 64; // batch, positions, channels
var rng = new Rng(12);
var x = Tensor<double>.Randn(rng, B, T, C) * 3.0 + 1.5;          // (B, T, C), rows far from mean 0, variance 1
var gamma = Tensor<double>.Randn(rng, C) * 0.5 + 1.0;            // (C)
var beta = Tensor<double>.Randn(rng, C) * 0.5;                   // (C)
var dy = Tensor<double>.Randn(rng, B, T, C);                     // ∂L/∂y, an upstream gradient (L = Σ dy ⊙ y)

// ---------------------------------------------------------------------------------------------------------
Section("1. Forward and backward with plain tensors");
var (yHand, cache) = LayerNormForward(x, gamma, beta);
var (dxHand, dgammaHand, dbetaHand) = LayerNormBackward(dy, gamma, cache);
Say($"x has shape [{B}, {T}, {C}]: {B * T} rows of {C} channels, normalised along the last dimension. "
    + $"Before: row 0 has mean {G(x.Mean(-1)[0, 0])} and variance {G(x.Variance(-1, correction: 0)[0, 0])}.");
var xhatMeans = cache.XHat.Mean(-1);
var xhatVars = cache.XHat.Variance(-1, correction: 0);
Close(xhatMeans.Abs().Max().Item(), 0, 1e-14, "after: every row of x̂ has mean 0 (largest |mean|)");
var sigma2 = x.Variance(-1, correction: 0);
Close(MaxAbsDiff(xhatVars, sigma2 / (sigma2 + Eps)), 0, 1e-14, $"and variance σ²/(σ² + ε), just under 1 (max |difference|; the largest is {G(xhatVars.Max().Item())})");
Table(["tensor", "shape", "first values"],
[
    ["y", Shapes.Format(yHand.Shape), First(yHand)],
    ["dx", Shapes.Format(dxHand.Shape), First(dxHand)],
    ["dγ", Shapes.Format(dgammaHand.Shape), First(dgammaHand)],
    ["dβ", Shapes.Format(dbetaHand.Shape), First(dbetaHand)],
]);

// ---------------------------------------------------------------------------------------------------------
Section("2. Three implementations, one answer");
// (a) Scratch's fused op: one pass per row forward, one backward, the rule above.
var xa = new Var<double>(x, requiresGrad: true, name: "x");
var ga = new Var<double>(gamma, requiresGrad: true, name: "γ");
var ba = new Var<double>(beta, requiresGrad: true, name: "β");
var yFused = Var<double>.LayerNorm(xa, ga, ba, Eps);
yFused.Backward(dy);
// (b) The composite: the forward formula in primitive ops; Backward() chains their rules, no layer-norm rule needed.
var xb = new Var<double>(x, requiresGrad: true, name: "x");
var gb = new Var<double>(gamma, requiresGrad: true, name: "γ");
var bb = new Var<double>(beta, requiresGrad: true, name: "β");
var yComposite = LayerNormComposite(xb, gb, bb);
yComposite.Backward(dy);
var compared = new (string Name, Tensor<double> Hand, Tensor<double> Fused, Tensor<double> Composite)[]
{
    ("y", yHand, yFused.Value, yComposite.Value),
    ("dx", dxHand, xa.Grad!, xb.Grad!),
    ("dγ", dgammaHand, ga.Grad!, gb.Grad!),
    ("dβ", dbetaHand, ba.Grad!, bb.Grad!),
};
Table(["", "by hand vs Var.LayerNorm", "by hand vs composite", "Var.LayerNorm vs composite"],
    compared.Select(r => (IReadOnlyList<object>)[r.Name, MaxAbsDiff(r.Hand, r.Fused), MaxAbsDiff(r.Hand, r.Composite), MaxAbsDiff(r.Fused, r.Composite)]));
Say("(Each cell is the largest |difference| over all elements. float64 throughout.)");
foreach (var (name, hand, fused, composite) in compared)
{
    double worst = Math.Max(MaxAbsDiff(hand, fused), Math.Max(MaxAbsDiff(hand, composite), MaxAbsDiff(fused, composite)));
    Close(worst, 0, 1e-12, $"{name}: the three agree (largest of the three max |differences|)");
}
// GradCheck on the first 4 rows: a loss summed over fewer outputs carries less rounding into each difference.
var firstRows = x.Reshape(-1, C).Slice(0, 0, 4).Contiguous(); // (4, C)
var fusedCheck = GradCheck.Run(v => Var<double>.LayerNorm(v[0], v[1], v[2], Eps), [firstRows, gamma, beta]);
Console.WriteLine($"  Var.LayerNorm on the first 4 rows: {fusedCheck}");
Check(fusedCheck.Passed(1e-6), "and all three agree with central differences (GradCheck on Var.LayerNorm, tolerance 1e-6)");

// ---------------------------------------------------------------------------------------------------------
Section("3. Why the two extra terms: μ and σ move with x");
var dxhat = dy * gamma;                  // (B, T, C)
var dxNaive = dxhat * cache.Rstd;        // dx̂/s: as if μ and s were constants
double naiveError = MaxAbsDiff(dxNaive, dxHand);
Say("Drop the two extra terms, as if μ and s did not depend on x, and the gradient is simply dx̂/s. It is wrong:");
Check(naiveError > 0.05, $"max |dx̂/s − dx| = {G(naiveError)}");
var rowSums = dxHand.Sum(-1);                              // (B, T): Σⱼ dxⱼ per row
var alongXhat = (dxHand * cache.XHat).Sum(-1);             // (B, T): Σⱼ dxⱼ·x̂ⱼ per row
double largestNaiveSum = dxNaive.Sum(-1).Abs().Max().Item();
Close(rowSums.Abs().Max().Item(), 0, 1e-12, $"the full dx has no component along (1, …, 1): largest |Σⱼ dxⱼ| over rows (dx̂/s has up to {G(largestNaiveSum)})");
// With ε, Σⱼ x̂ⱼ² = C·σ²/(σ² + ε) rather than C, and the rule leaves Σⱼ dxⱼ·x̂ⱼ = (C/s)·mean(dx̂ ⊙ x̂)·ε/(σ² + ε).
var predicted = cache.Rstd.Squeeze(-1) * C * (dxhat * cache.XHat).Mean(-1) * Eps / (sigma2 + Eps);
Close(MaxAbsDiff(alongXhat, predicted), 0, 1e-12,
    $"and almost none along x̂: Σⱼ dxⱼ·x̂ⱼ is ε's leftover, up to {G(alongXhat.Abs().Max().Item())} (max |difference| from the formula)");
var (yShifted, _) = LayerNormForward(x + 7.0, gamma, beta);
var (yScaled, _) = LayerNormForward(x * 2.0, gamma, beta);
var (yNoEps, _) = LayerNormForward(x, gamma, beta, eps: 0);
var (yScaledNoEps, _) = LayerNormForward(x * 2.0, gamma, beta, eps: 0);
Close(MaxAbsDiff(yShifted, yHand), 0, 1e-12, "the reason: adding 7 to every x leaves y unchanged (max |difference|)");
Close(MaxAbsDiff(yScaledNoEps, yNoEps), 0, 1e-12, "with ε = 0, doubling every x leaves y unchanged too (max |difference|)");
Check(MaxAbsDiff(yScaled, yHand) > 1e-8 && MaxAbsDiff(yScaled, yHand) < 1e-4,
    $"with ε = 1e-5 doubling x changes y by only {G(MaxAbsDiff(yScaled, yHand))}");

// The picture: one row's gradient with and without the paths through μ and s; and the difference between the two,
// taken from Var.LayerNorm's gradient, against x̂: a straight line whose height is the μ path and whose slope is the s path.
double[] channels = [.. Enumerable.Range(0, C).Select(i => (double)i)];
double[] Row(Tensor<double> t) => [.. Enumerable.Range(0, C).Select(i => t[0, 0, i])];
var rowChart = new Chart($"∂L/∂x for one row of {C} channels", "channel i", "gradient") { Legend = Corner.BottomRight, Width = 560 };
rowChart.HLine(0);
rowChart.Line("dx̂/s: μ and s held fixed", channels, Row(dxNaive), colour: Colours.Series[1], markers: true, width: 1.5);
rowChart.Line("dx: the full rule", channels, Row(dxHand), colour: Colours.Series[0], markers: true, width: 1.5);
double[] xhatRow = Row(cache.XHat), correction = Row(xa.Grad! - dxNaive);
double rstd0 = cache.Rstd[0, 0, 0], m1 = dxhat.Mean(-1)[0, 0], m2 = (dxhat * cache.XHat).Mean(-1)[0, 0]; // 1/s, mean(dx̂), mean(dx̂ ⊙ x̂)
double[] ends = [xhatRow.Min(), xhatRow.Max()];
var lineChart = new Chart("dx − dx̂/s against x̂ (the same row)", "x̂ᵢ", "dxᵢ − dx̂ᵢ/s") { Legend = Corner.BottomLeft, Width = 560 };
lineChart.Line("−(1/s)·(mean(dx̂) + x̂·mean(dx̂ ⊙ x̂))", ends, [.. ends.Select(v => -rstd0 * (m1 + v * m2))], colour: "#888888", dashed: true);
lineChart.Points("Var.LayerNorm's gradient − dx̂/s", xhatRow, correction, colour: Colours.Series[0], radius: 4);
Picture("gradient-row.svg", Figure.Grid([rowChart.ToSvg(), lineChart.ToSvg()], 2));
double offLine = xhatRow.Zip(correction).Max(q => Math.Abs(q.Second + rstd0 * (m1 + q.First * m2)));
Close(offLine, 0, 1e-12, "the fused op's correction lies on that line (max distance): the μ path shifts every channel alike, the s path is proportional to x̂");

return Finish();

// Forward: y = γ·x̂ + β with x̂ = (x − μ)/√(σ² + ε), per row of the last dimension. Keeps x̂ and 1/s for the backward.
static (Tensor<double> Y, (Tensor<double> XHat, Tensor<double> Rstd) Cache) LayerNormForward(Tensor<double> x, Tensor<double> gamma, Tensor<double> beta,
    double eps = Eps)
{
    var mean = x.Mean(-1, keepDim: true);                 // μ, (B, T, 1)
    var centred = x - mean;                               // x − μ, (B, T, C)
    var variance = (centred * centred).Mean(-1, keepDim: true); // σ², biased (divided by C), (B, T, 1)
    var rstd = 1.0 / (variance + eps).Sqrt();             // 1/s, (B, T, 1)
    var xhat = centred * rstd;                            // (B, T, C)
    var y = xhat * gamma + beta;                          // γ and β (C) broadcast over the rows, (B, T, C)
    return (y, (xhat, rstd));
}

// Backward: from dy, the three gradients, with the rule derived at the top of the file.
static (Tensor<double> Dx, Tensor<double> Dgamma, Tensor<double> Dbeta) LayerNormBackward(Tensor<double> dy, Tensor<double> gamma,
    (Tensor<double> XHat, Tensor<double> Rstd) cache)
{
    var (xhat, rstd) = cache;
    var dbeta = dy.SumTo(gamma.Shape);                    // forward: + β, broadcast over rows, so dβ = Σ_rows dy, (C)
    var dgamma = (dy * xhat).SumTo(gamma.Shape);          // forward: γ·x̂, so dγ = Σ_rows dy·x̂, (C)
    var dxhat = dy * gamma;                               // and dx̂ = dy·γ, (B, T, C)
    var meanDxhat = dxhat.Mean(-1, keepDim: true);        // mean(dx̂), (B, T, 1): the path through μ
    var meanDxhatXhat = (dxhat * xhat).Mean(-1, keepDim: true); // mean(dx̂ ⊙ x̂), (B, T, 1): the path through s
    var dx = rstd * (dxhat - meanDxhat - xhat * meanDxhatXhat); // (B, T, C)
    return (dx, dgamma, dbeta);
}

// The same forward in primitive Var ops: mean, sub, pow, add, sqrt, div, mul, add.
static Var<double> LayerNormComposite(Var<double> x, Var<double> gamma, Var<double> beta)
{
    var mean = x.Mean(-1, keepDim: true);                 // (B, T, 1)
    var centred = x - mean;                               // (B, T, C)
    var variance = centred.Pow(2.0).Mean(-1, keepDim: true); // (B, T, 1)
    var std = (variance + Eps).Sqrt();                    // s, (B, T, 1)
    var xhat = centred / std;                             // (B, T, C)
    return xhat * gamma + beta;                           // (B, T, C)
}

static double MaxAbsDiff(Tensor<double> a, Tensor<double> b) => (a - b).Abs().Max().Item();

static string First(Tensor<double> t) => string.Join(", ", t.ToArray().Take(4).Select(v => G(v))) + ", …";
