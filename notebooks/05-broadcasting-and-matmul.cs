#!/usr/bin/env dotnet
// Lesson 05 — Broadcasting and the matrix product, backward
//
// A bias b of shape (C) added to a batch x of shape (B, C) is copied to every row: y[n, j] = x[n, j] + b[j].
// Each copy is one use of b[j], and the chain rule adds one term per use:
//
//     ∂L/∂b[j] = Σₙ ∂L/∂y[n, j] · ∂y[n, j]/∂b[j] = Σₙ ∂L/∂y[n, j]          ∂L/∂b = SumTo(∂L/∂y, b.shape)
//
// SumTo undoes a broadcast: it sums every dimension that was stretched (size 1 → B) or added in front.
//
// The matrix product C = A·B, with A (M, K), B (K, N), C (M, N), is C[i, j] = Σₚ A[i, p]·B[p, j], so
// ∂C[i, j]/∂A[i, p] = B[p, j] and
//
//     ∂L/∂A[i, p] = Σⱼ ∂L/∂C[i, j] · B[p, j] = (∂L/∂C · Bᵀ)[i, p]          ∂L/∂A = ∂L/∂C · Bᵀ   (M, K)
//     ∂L/∂B[p, j] = Σᵢ A[i, p] · ∂L/∂C[i, j] = (Aᵀ · ∂L/∂C)[p, j]          ∂L/∂B = Aᵀ · ∂L/∂C   (K, N)
//
// The shapes alone pin this down: ∂L/∂A must have A's shape (M, K), and of all the ways to multiply ∂L/∂C
// (M, N) or its transpose with B (K, N) or its transpose, only ∂L/∂C · Bᵀ = (M, N)·(N, K) gives (M, K).
// With batch dimensions (…, M, K)·(…, K, N) the same rule holds per batch entry, and a batch dimension that
// was broadcast (a weight shared by the whole batch) is summed away by SumTo, exactly as for the bias.
//
// Library files to read beside it: Tensors/Tensor.SumTo.cs (undoing a broadcast), Autograd/Ops/Var.Arithmetic.cs
// (Add and Mul send SumTo(∂L/∂z …) to each input), Autograd/Ops/Var.MatMul.cs (the two products and their
// SumTo), Tensors/Tensor.MatMul.cs (the shape errors), Autograd/GradCheck.cs.
//
// Run:  dotnet run notebooks/05-broadcasting-and-matmul.cs            (add --quick for the short version the tests run)
#:project ../Gpt/Scratch.Gpt.csproj
#:property PublishAot=false
#:include shared/Lesson.cs
using Scratch.Autograd;
using Scratch.Gpt.Plots;
using Scratch.Lessons;
using Scratch.Tensors;
using static Scratch.Lessons.Lesson;

Start(args, "05", "broadcasting and the matrix product, backward");
var rng = new Rng(5);

// ---------------------------------------------------------------------------------------------------------
Section("1. A bias broadcast over the batch: its gradient is a sum over the batch");
const int Batch = 4, C = 3;
var x = new Var<double>(Tensor<double>.Randn(rng, Batch, C), requiresGrad: true, name: "x"); // (B, C)
var b = new Var<double>(Tensor<double>.Randn(rng, C), requiresGrad: true, name: "b");        // (C)
var y = x + b;                                                                              // (B, C): b copied to every row
var dy = Tensor<double>.Randn(rng, Batch, C); // ∂L/∂y: any upstream gradient, L = Σ dy ⊙ y
y.Backward(dy);
Say($"x has shape [{Batch}, {C}] (a batch of {Batch} rows), b has shape [{C}]; y = x + b adds b to every row. "
    + "Backward is given an upstream gradient ∂L/∂y (as if L = Σ ∂L/∂y ⊙ y), one number per element of y:");
Table(["row n", "∂L/∂y[n,0]", "∂L/∂y[n,1]", "∂L/∂y[n,2]"],
    Enumerable.Range(0, Batch).Select(n => (IReadOnlyList<object>)[n, dy[n, 0], dy[n, 1], dy[n, 2]]));
var columnSums = Enumerable.Range(0, C).Select(j => Enumerable.Range(0, Batch).Sum(n => dy[n, j])).ToArray();
var sumTo = dy.SumTo(C);
Table(["", "j = 0", "j = 1", "j = 2"],
[
    ["column sums Σₙ ∂L/∂y[n,j]", columnSums[0], columnSums[1], columnSums[2]],
    ["∂L/∂y .SumTo([3])", sumTo[0], sumTo[1], sumTo[2]],
    ["b.Grad from Backward()", b.Grad![0], b.Grad![1], b.Grad![2]],
]);
Check(Enumerable.Range(0, C).All(j => b.Grad![j] == sumTo[j]), "b.Grad is exactly ∂L/∂y summed to b's shape (SumTo)");
Check(Enumerable.Range(0, C).All(j => Math.Abs(b.Grad![j] - columnSums[j]) < 1e-14), "…which is the column sums: one term per row that used b");
Check(x.Grad!.AllClose(dy, 0, 0), "x was not broadcast, so x.Grad is ∂L/∂y itself");

// The picture: ∂L/∂b[j] built up one row at a time, as Backward's += would if each row were its own use of b.
var chart = new Chart("∂L/∂b[j] collects one term from each row that used b[j]", "rows added so far", "Σ of ∂L/∂y[n, j] over those rows")
    { Legend = Corner.BottomLeft, XRange = (0, Batch + 0.8) };
chart.HLine(0);
for (int j = 0; j < C; j++)
{
    double[] running = [.. Enumerable.Range(0, Batch + 1).Select(k => Enumerable.Range(0, k).Sum(n => dy[n, j]))];
    chart.Line($"∂L/∂b[{j}], running sum", [.. Enumerable.Range(0, Batch + 1).Select(k => (double)k)], running, colour: Colours.Series[j], markers: true);
    chart.Points(null, [Batch], [b.Grad![j]], colour: Colours.Series[j], radius: 5, labels: [$"= {b.Grad![j]:0.00}"]);
}
Picture("bias-gradient.svg", chart.ToSvg());

Say("A number can be stretched along any dimension of size 1, not only copied down the rows. A per-row scale s of "
    + $"shape [{Batch}, 1] multiplies every column of its row: z = x ⊙ s, so ∂L/∂s[n] = Σⱼ ∂L/∂z[n,j] · x[n,j], a sum "
    + "along the row, kept as shape [4, 1].");
var s = new Var<double>(Tensor<double>.Randn(rng, Batch, 1), requiresGrad: true, name: "s"); // (B, 1)
var xData = new Var<double>(x.Value);
(xData * s).Backward(dy);
var rowSums = (dy * x.Value).SumTo(Batch, 1); // (B, C) → (B, 1)
Check(s.Grad!.AllClose(rowSums, 0, 1e-14) && Shapes.Equal(s.Grad.Shape, [Batch, 1]),
    $"s.Grad {Shapes.Format(s.Grad.Shape)} = (∂L/∂z ⊙ x).SumTo([4, 1]), the row sums (first {G(s.Grad[0, 0])})");

var bigGrad = Tensor<double>.Randn(rng, 2, Batch, C); // a (2, B, C) gradient, as if y had a leading dimension too
Table(["target shape", "dimensions summed", "result shape"],
    new[] { new[] { C }, [Batch, 1], [1, C], [Batch, C] }.Select(t =>
        (IReadOnlyList<object>)[Shapes.Format(t), SummedDims([2, Batch, C], t), Shapes.Format(bigGrad.SumTo(t).Shape)]));
var byLoops = Tensor<double>.Zeros(Batch, 1);
for (int n = 0; n < Batch; n++)
{
    for (int d0 = 0; d0 < 2; d0++)
    {
        for (int j = 0; j < C; j++)
        {
            byLoops.AsSpan()[n] += bigGrad[d0, n, j]; // sum over the leading dimension and the last one
        }
    }
}
Close(MaxAbsDiff(bigGrad.SumTo(Batch, 1), byLoops), 0, 1e-14, "max |SumTo([4, 1]) − loops over dimensions 0 and 2| for a [2, 4, 3] tensor");
var bias = GradCheck.Run(v => v[0] + v[1], [x.Value, b.Value]);
var scale = GradCheck.Run(v => v[0] * v[1], [x.Value, s.Value]);
Console.WriteLine($"  x + b: {bias}");
Console.WriteLine($"  x ⊙ s: {scale}");
Check(bias.Passed(1e-6) && scale.Passed(1e-6), "GradCheck (central differences) agrees with Backward() for both broadcasts (tolerance 1e-6)");

// ---------------------------------------------------------------------------------------------------------
Section("2. C = A·B: the shapes are the proof");
const int M = 2, K = 3, N = 4; // three different sizes, so that no two shapes can be confused
var a = new Var<double>(Tensor<double>.Randn(rng, M, K), requiresGrad: true, name: "A");   // (M, K)
var bm = new Var<double>(Tensor<double>.Randn(rng, K, N), requiresGrad: true, name: "B");  // (K, N)
var c = a.MatMul(bm);                                                                      // (M, N)
var dc = Tensor<double>.Randn(rng, M, N); // ∂L/∂C, (M, N)
c.Backward(dc);
Say($"A is [{M}, {K}], B is [{K}, {N}], C = A·B is [{M}, {N}], and so is ∂L/∂C. ∂L/∂A must be [{M}, {K}], like A. "
    + "L depends on A only through C, and C is linear in A with B as the coefficients, so ∂L/∂A is a product of ∂L/∂C and B, "
    + "in some order, each maybe transposed. Every such arrangement:");
var (rowsA, fitsA) = Arrangements(dc, bm.Value, "B", [M, K]);
Table(["arrangement", "shapes", "result"], rowsA);
Check(fitsA.Count == 1 && fitsA[0] == "∂L/∂C · Bᵀ", $"exactly one arrangement has A's shape: {string.Join(", ", fitsA)}");
var transposedFit = Tensor<double>.MatMul(bm.Value, dc.Transpose(0, 1)); // B · (∂L/∂C)ᵀ, (K, M)
Close(MaxAbsDiff(transposedFit, Tensor<double>.MatMul(dc, bm.Value.Transpose(0, 1)).Transpose(0, 1)), 0, 1e-15,
    "B · (∂L/∂C)ᵀ, the [3, 2] one, is (∂L/∂C · Bᵀ)ᵀ: the same numbers laid out for Aᵀ");
var (_, fitsB) = Arrangements(dc, a.Value, "A", [K, N]);
Check(fitsB.Count == 1 && fitsB[0] == "Aᵀ · ∂L/∂C", $"for ∂L/∂B [3, 4], the same eight arrangements with A leave one: {string.Join(", ", fitsB)}");

var byRuleA = Tensor<double>.MatMul(dc, bm.Value.Transpose(0, 1));   // (M, N)·(N, K) → (M, K)
var byRuleB = Tensor<double>.MatMul(a.Value.Transpose(0, 1), dc);    // (K, M)·(M, N) → (K, N)
double LossOfA(Tensor<double> av) => (Tensor<double>.MatMul(av, bm.Value) * dc).Sum().Item(); // L = Σ ∂L/∂C ⊙ (A·B)
var numericA = Tensor<double>.Zeros(M, K);
const double h = 1e-6;
for (int i = 0; i < M; i++)
{
    for (int p = 0; p < K; p++)
    {
        var plus = a.Value.Clone();
        plus.AsSpan()[i * K + p] += h;
        var minus = a.Value.Clone();
        minus.AsSpan()[i * K + p] -= h;
        numericA.AsSpan()[i * K + p] = (LossOfA(plus) - LossOfA(minus)) / (2 * h);
    }
}
Table(["element", "Backward()", "(∂L/∂C · Bᵀ)[i,p]", "central difference (h = 1e-6)"],
    Enumerable.Range(0, M * K).Select(e => (IReadOnlyList<object>)[$"∂L/∂A[{e / K},{e % K}]", a.Grad![e / K, e % K], byRuleA[e / K, e % K], numericA[e / K, e % K]]));
Close(MaxAbsDiff(a.Grad!, byRuleA), 0, 1e-14, "max |A.Grad − ∂L/∂C · Bᵀ|");
Close(MaxAbsDiff(a.Grad!, numericA), 0, 1e-8, "max |A.Grad − central differences|");
Close(MaxAbsDiff(bm.Grad!, byRuleB), 0, 1e-14, "max |B.Grad − Aᵀ · ∂L/∂C|");
var matmulCheck = GradCheck.Run(v => v[0].MatMul(v[1]), [a.Value, bm.Value]);
Console.WriteLine($"  A·B: {matmulCheck}");
Check(matmulCheck.Passed(1e-6), "GradCheck agrees for both inputs of the matrix product (tolerance 1e-6)");

// ---------------------------------------------------------------------------------------------------------
Section("3. Batches: a shared weight sums over the batch");
int batches = Quick ? 3 : 8;
var inputs = new Var<double>(Tensor<double>.Randn(rng, batches, M, K), requiresGrad: true, name: "X"); // (batch, M, K)
var weight = new Var<double>(Tensor<double>.Randn(rng, K, N), requiresGrad: true, name: "W");          // (K, N)
var outputs = inputs.MatMul(weight);                                                                   // (batch, M, N)
var dOut = Tensor<double>.Randn(rng, batches, M, N);
outputs.Backward(dOut);
var perBatch = Tensor<double>.MatMul(inputs.Value.Transpose(-2, -1), dOut);  // (batch, K, M)·(batch, M, N) → (batch, K, N)
var summed = perBatch.SumTo(K, N);                                           // (K, N): W was used by every batch entry
Say($"X is [{batches}, {M}, {K}], a batch of {batches} matrices, all multiplied by the same W [{K}, {N}]. W is broadcast "
    + $"over the batch like the bias was over the rows, so each batch entry sends its own Xᵦᵀ · ∂L/∂Yᵦ (together "
    + $"{Shapes.Format(perBatch.Shape)}) and W receives their sum, SumTo([{K}, {N}]).");
Close(MaxAbsDiff(weight.Grad!, summed), 0, 1e-13, "max |W.Grad − Σᵦ Xᵦᵀ · ∂L/∂Yᵦ|");
var folded = Tensor<double>.MatMul(inputs.Value.Reshape(-1, K).Transpose(0, 1), dOut.Reshape(-1, N)); // (K, batch·M)·(batch·M, N)
Close(MaxAbsDiff(weight.Grad!, folded), 0, 1e-13, "the same sum as one product with the batch folded into the rows (what Var.MatMul computes)");
Close(MaxAbsDiff(inputs.Grad!, Tensor<double>.MatMul(dOut, weight.Value.Transpose(0, 1))), 0, 1e-14, "max |X.Grad − ∂L/∂Y · Wᵀ| (one per batch entry, no sum)");

Say("Batch dimensions broadcast too. P [2, 1, 2, 3] times Q [3, 3, 4] gives [2, 3, 2, 4]: P's size-1 dimension is "
    + "stretched to 3, and Q gains a leading dimension of 2. Backward sums each gradient back over what was stretched.");
var pv = new Var<double>(Tensor<double>.Randn(rng, 2, 1, M, K), requiresGrad: true, name: "P");  // (2, 1, M, K)
var qv = new Var<double>(Tensor<double>.Randn(rng, 3, K, N), requiresGrad: true, name: "Q");     // (3, K, N)
var rv = pv.MatMul(qv);                                                                         // (2, 3, M, N)
var dR = Tensor<double>.Randn(rng, rv.Shape);
rv.Backward(dR);
var dPfull = Tensor<double>.MatMul(dR, qv.Value.Transpose(-2, -1)); // (2, 3, M, N)·(3, N, K) → (2, 3, M, K)
var dQfull = Tensor<double>.MatMul(pv.Value.Transpose(-2, -1), dR); // (2, 1, K, M)·(2, 3, M, N) → (2, 3, K, N)
Table(["", "product shape", "summed to", "max |difference| from Backward()"],
[
    ["∂L/∂P = ∂L/∂R · Qᵀ", Shapes.Format(dPfull.Shape), Shapes.Format(pv.Shape), MaxAbsDiff(pv.Grad!, dPfull.SumTo(pv.Shape))],
    ["∂L/∂Q = Pᵀ · ∂L/∂R", Shapes.Format(dQfull.Shape), Shapes.Format(qv.Shape), MaxAbsDiff(qv.Grad!, dQfull.SumTo(qv.Shape))],
]);
Check(MaxAbsDiff(pv.Grad!, dPfull.SumTo(pv.Shape)) < 1e-13 && MaxAbsDiff(qv.Grad!, dQfull.SumTo(qv.Shape)) < 1e-13,
    "both gradients are the per-entry products summed back to the input's shape");
var batched = GradCheck.Run(v => v[0].MatMul(v[1]), [inputs.Value, weight.Value]);
var broadcast = GradCheck.Run(v => v[0].MatMul(v[1]), [pv.Value, qv.Value]);
Console.WriteLine($"  X·W: {batched}");
Console.WriteLine($"  P·Q: {broadcast}");
Check(batched.Passed(1e-6) && broadcast.Passed(1e-6), "GradCheck agrees for the batched and the broadcast products (tolerance 1e-6)");

return Finish();

static double MaxAbsDiff(Tensor<double> u, Tensor<double> v) => (u - v).Abs().Max().Item();

// Which dimensions SumTo adds up to go from shape `from` to shape `to` (leading ones, then stretched size-1 ones).
static string SummedDims(int[] from, int[] to)
{
    int lead = from.Length - to.Length;
    var dims = Enumerable.Range(0, from.Length).Where(d => d < lead || (to[d - lead] == 1 && from[d] != 1)).ToList();
    return dims.Count == 0 ? "none" : string.Join(", ", dims);
}

// Every product of ∂L/∂C (or its transpose) with the other factor (or its transpose), in both orders: its shape, or the
// library's shape error; and the names of those whose shape is `target`.
static (List<object[]> Rows, List<string> Fits) Arrangements(Tensor<double> dc, Tensor<double> other, string name, int[] target)
{
    var (dcT, otherT) = (dc.Transpose(0, 1), other.Transpose(0, 1));
    var candidates = new (string Name, Tensor<double> Left, Tensor<double> Right)[]
    {
        ($"∂L/∂C · {name}", dc, other), ($"∂L/∂C · {name}ᵀ", dc, otherT), ($"(∂L/∂C)ᵀ · {name}", dcT, other), ($"(∂L/∂C)ᵀ · {name}ᵀ", dcT, otherT),
        ($"{name} · ∂L/∂C", other, dc), ($"{name}ᵀ · ∂L/∂C", otherT, dc), ($"{name} · (∂L/∂C)ᵀ", other, dcT), ($"{name}ᵀ · (∂L/∂C)ᵀ", otherT, dcT),
    };
    var rows = new List<object[]>();
    var fits = new List<string>();
    foreach (var (label, left, right) in candidates)
    {
        string result;
        try
        {
            var product = Tensor<double>.MatMul(left, right);
            bool fit = Shapes.Equal(product.Shape, target);
            result = Shapes.Format(product.Shape) + (fit ? "   ← the shape we need" : "");
            if (fit)
            {
                fits.Add(label);
            }
        }
        catch (ArgumentException e)
        {
            result = e.Message; // the library's own shape error
        }
        rows.Add([label, $"{Shapes.Format(left.Shape)}·{Shapes.Format(right.Shape)}", result]);
    }
    return (rows, fits);
}
