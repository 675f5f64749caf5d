#!/usr/bin/env dotnet
// Lesson 03 — Backward, step by step
//
// A two-layer MLP on a batch of B = 4 examples of 3 features, H = 3 hidden units and 2 outputs:
//
//     z = x·W1ᵀ + b1          (B,3)·(3,H) + (H) → (B,H)      b1 is broadcast over the B rows
//     h = tanh(z)             (B,H)
//     y = h·W2ᵀ + b2          (B,H)·(H,2) + (2) → (B,2)
//     L = mean((y − t)²)      over the B·2 numbers
//
// Backward applies one rule per node, from L back to the weights (the d prefix is llm.c's: dy = ∂L/∂y):
//
//     dy  = 2(y − t) / (B·2)          mean, then the square d·d sending d to each of its two inputs
//     db2 = Σ_rows dy                 a broadcast in the forward pass is a sum in the backward pass
//     dW2 = dyᵀ · h                   matmul: (2,B)·(B,H), through the transpose's backward
//     dh  = dy · W2                   (B,2)·(2,H)
//     dz  = dh ⊙ (1 − h²)             tanh
//     db1 = Σ_rows dz,   dW1 = dzᵀ · x
//
// BackwardTrace.Run records each node's turn (the gradient that arrives, what it sends to each input) and checks
// every node's gradient against central differences, ∂L/∂vᵢ ≈ (L(vᵢ + ε) − L(vᵢ − ε)) / 2ε, by running the model
// again with one element of that node nudged. A wrong backward rule shows up at the first node whose gradient
// disagrees: what it received was computed from a rule that disagrees with its forward computation.
//
// Library files to read beside it: Autograd/Var.Trace.cs and Autograd/BackwardRecorder.cs (recording the pass),
// Autograd/BackwardTrace.cs and Autograd/NumericPass.cs with Autograd/ForwardProbe.cs (the check, the diagnosis),
// Autograd/Ops/Var.Custom.cs (an op with your own rule), Autograd/Ops/Var.MatMul.cs, Autograd/Ops/Var.Views.cs
// (transpose), Autograd/Ops/Var.Activations.cs (tanh), Autograd/Ops/Var.Reductions.cs (mean), Tensors/Tensor.SumTo.cs.
//
// Run:  dotnet run notebooks/03-backward-step-by-step.cs            (add --quick for the short version the tests run)
#:project ../Gpt/Scratch.Gpt.csproj
#:property PublishAot=false
#:include shared/Lesson.cs
using Scratch.Autograd;
using Scratch.Lessons;
using Scratch.Tensors;
using static Scratch.Lessons.Lesson;

Start(args, "03", "backward, step by step");

const int Batch = 4, In = 3, Hidden = 3, Out = 2;

// The parameters are made once, outside the model function, as a Module's are; the data is fixed.
(Var<double>[] Parameters, Tensor<double> X, Tensor<double> T) MakeModel()
{
    var rng = new Rng(3);
    var w1 = new Var<double>(Tensor<double>.Normal(rng, 0.0, 0.6, Hidden, In), requiresGrad: true, name: "W1");
    var b1 = new Var<double>(Tensor<double>.Normal(rng, 0.0, 0.3, Hidden), requiresGrad: true, name: "b1");
    var w2 = new Var<double>(Tensor<double>.Normal(rng, 0.0, 0.6, Out, Hidden), requiresGrad: true, name: "W2");
    var b2 = new Var<double>(Tensor<double>.Normal(rng, 0.0, 0.3, Out), requiresGrad: true, name: "b2");
    return ([w1, b1, w2, b2], Tensor<double>.Randn(rng, Batch, In), Tensor<double>.Randn(rng, Batch, Out));
}

// The model and its loss. activation is tanh, or a tanh written by hand with Var.Custom (section 3).
Func<Var<double>> Loss(Var<double>[] p, Tensor<double> xData, Tensor<double> tData, Func<Var<double>, Var<double>> activation) => () =>
{
    var (w1, b1, w2, b2) = (p[0], p[1], p[2], p[3]);
    var x = new Var<double>(xData, name: "x");
    var t = new Var<double>(tData, name: "t");
    var w1T = w1.Transpose(0, 1); w1T.Name = "W1ᵀ";
    var xw = x.MatMul(w1T); xw.Name = "x·W1ᵀ";          // (B,3)·(3,H) → (B,H)
    var z = xw + b1; z.Name = "z";                       // + (H) broadcast over rows
    var h = activation(z); h.Name = "h";
    var w2T = w2.Transpose(0, 1); w2T.Name = "W2ᵀ";
    var hw = h.MatMul(w2T); hw.Name = "h·W2ᵀ";          // (B,H)·(H,2) → (B,2)
    var y = hw + b2; y.Name = "y";
    var d = y - t; d.Name = "d";
    var d2 = d * d; d2.Name = "d²";
    var L = d2.Mean(); L.Name = "L";
    return L;
};

// ---------------------------------------------------------------------------------------------------------
Section("1. The model, and its backward pass recorded");
var (parameters, xs, ts) = MakeModel();
var f = Loss(parameters, xs, ts, z => z.Tanh());
Say($"x is ({Batch},{In}), W1 ({Hidden},{In}), b1 ({Hidden}), W2 ({Out},{Hidden}), b2 ({Out}), t ({Batch},{Out}). "
    + "BackwardTrace.Run(f, checkNumerically: true) calls f to build the graph, runs Backward with a recorder "
    + "listening, then checks each node's gradient by running f again with that node nudged. In reverse "
    + "topological order, each node after every node that used it:");
var trace = BackwardTrace.Run(f, checkNumerically: true, maxElementsPerNode: 64);
Console.WriteLine();
Console.WriteLine(trace.Format(maxElements: Quick ? 6 : 12));

// ---------------------------------------------------------------------------------------------------------
Section("2. Every step checked");
Say("The numeric check of each node, and the rules of the header computed again by hand from plain tensors:");
Table(["step", "node", "op", "shape", "elements checked", "worst relative error"],
    trace.Steps.Select(s => (IReadOnlyList<object>)[s.Index, s.Label, s.Op, Shapes.Format(s.Shape), s.Check!.ElementsChecked, s.Check.RelativeError]));
Check(trace.Passed && trace.Steps.All(s => s.Check is { Passed: true }),
    $"all {trace.Steps.Count} nodes' gradients agree with central differences (worst relative error {G(trace.Steps.Max(s => s.Check!.RelativeError))} ≤ 1e-6)");
Check(trace.Steps.All(s => s.Check!.ElementsChecked == s.Check.ElementCount), "every element of every node was nudged");

// By hand, from the forward values the trace recorded.
Tensor<double> V(string name) => trace[name].Value;
Tensor<double> Dg(string name) => trace[name].Gradient!;
var dy = 2.0 * (V("y") - ts) / (double)(Batch * Out);
var dW2 = Tensor<double>.MatMul(dy.Transpose(0, 1), V("h"));
var dh = Tensor<double>.MatMul(dy, V("W2"));
var dz = dh * (1.0 - V("h") * V("h"));
var byHand = new (string Node, string Rule, Tensor<double> Value)[]
{
    ("y", "2(y − t) / (B·2)", dy),
    ("b2", "Σ_rows dy", dy.Sum(0)),
    ("W2", "dyᵀ · h", dW2),
    ("h", "dy · W2", dh),
    ("z", "dh ⊙ (1 − h²)", dz),
    ("b1", "Σ_rows dz", dz.Sum(0)),
    ("W1", "dzᵀ · x", Tensor<double>.MatMul(dz.Transpose(0, 1), xs)),
};
static double MaxDiff(Tensor<double> a, Tensor<double> b) => (a - b).Abs().Max().Item();
Table(["node", "rule", "traced ∂L/∂node", "largest |traced − by hand|"],
    byHand.Select(r => (IReadOnlyList<object>)[r.Node, r.Rule, Shapes.Format(r.Value.Shape), MaxDiff(Dg(r.Node), r.Value)]));
Check(byHand.All(r => MaxDiff(Dg(r.Node), r.Value) < 1e-14), "the traced gradients are the header's rules, to 1e-14");

var sumsOk = trace.Steps.Skip(1).All(s =>
{
    var into = trace.SendsTo(s);
    return into.Count > 0 && MaxDiff(into.Select(x => x.Contribution).Aggregate((a, b) => a + b), s.Gradient!) < 1e-15;
});
Check(sumsOk, "every node's gradient is the sum of the contributions sent to it");
var bSends = trace.SendsTo(trace["b1"]);
Check(bSends.Count == 1 && Shapes.Equal(bSends[0].Contribution.Shape, [Hidden]),
    $"b1 ({Hidden}) was broadcast over {Batch} rows, and add sends it the sum over those rows (shape [{Hidden}], not [{Batch},{Hidden}])");

var (plainParameters, _, _) = MakeModel();
var plainLoss = Loss(plainParameters, xs, ts, z => z.Tanh())();
plainLoss.Backward();
Check(parameters.Zip(plainParameters).All(p => p.First.Grad!.ToArray().SequenceEqual(p.Second.Grad!.ToArray())),
    "the traced pass left the parameters exactly the gradients of a plain Backward()");
Say("The graph the trace walked, drawn by ToSvg() after that plain Backward() (every box shows its value and gradient):");
Picture("mlp.svg", plainLoss.ToSvg("a two-layer MLP: L = mean((tanh(x·W1ᵀ + b1)·W2ᵀ + b2 − t)²)"));

// ---------------------------------------------------------------------------------------------------------
Section("3. A wrong rule, found");
Say("Now tanh written by hand with Var.Custom, as a learner might, with a slip in its backward rule: "
    + "∂L/∂z = ∂L/∂h · (1 − h) instead of ∂L/∂h · (1 − h²).");
Console.WriteLine();
Console.WriteLine("    var y = z.Value.Tanh();");
Console.WriteLine("    return Var<double>.Custom(\"my_tanh\", y, [z], dh => [dh * (1.0 - y)]);   // should be 1 − y·y");
Console.WriteLine();
static Var<double> WrongTanh(Var<double> z)
{
    var y = z.Value.Tanh();
    return Var<double>.Custom("my_tanh", y, [z], dh => [dh * (1.0 - y)]);
}
var (wrongParameters, _, _) = MakeModel();
var wrong = BackwardTrace.Run(Loss(wrongParameters, xs, ts, WrongTanh), checkNumerically: true, maxElementsPerNode: 64);
var first = wrong.FirstMismatch;
Check(!wrong.Passed && first is not null, "the trace with the wrong rule fails its numeric check");
if (first is null)
{
    return Finish();
}
var suspect = wrong.Suspects.Single();
Say($"Steps 0 to {first.Index - 1} agree (their rules are right, and nothing upstream of them changed). The suspect's step, "
    + "and the first step that disagrees:");
Console.WriteLine();
Console.WriteLine(wrong.Format(suspect, maxElements: 12));
Console.WriteLine(wrong.Format(first, maxElements: 12));
Console.WriteLine("  " + wrong.Diagnosis.Replace("\n", "\n  "));
Console.WriteLine();
Check(wrong.Steps.Take(first.Index).All(s => s.Check!.Passed), $"every step before step {first.Index} passes");
Check(first.Name == "z", $"the first gradient that disagrees is ∂L/∂z (step {first.Index}), the input of my_tanh");
Check(suspect.Op == "my_tanh", $"the trace names the suspect: {suspect.Describe()}, the only node that sent z a gradient");
Check(first.Check!.RelativeError > 0.01, $"by a clear margin: relative error {G(first.Check.RelativeError)} at {Shapes.Format(first.Check.WorstIndex)}");
var hWrong = wrong["h"].Value;
Check(MaxDiff(wrong["h"].Gradient!, Dg("h")) == 0 && MaxDiff(hWrong, V("h")) == 0,
    "∂L/∂h is the same as with the library's tanh: nothing before the wrong rule changed");
Check(MaxDiff(first.Gradient!, wrong["h"].Gradient! * (1.0 - hWrong)) == 0, "what z received is exactly the wrong rule's ∂L/∂h · (1 − h)");
Check(Math.Abs(first.Check.Numeric - dz[first.Check.WorstIndex]) < 1e-6,
    $"and the central difference at that element is the right rule's value, {G(dz[first.Check.WorstIndex])}");
Check(wrong.Steps.Skip(first.Index).Any(s => s.IsLeaf && !s.Check!.Passed), "the error flows on: W1's and b1's gradients are wrong too");

var leavesOnly = GradCheck.Run(Loss(wrongParameters, xs, ts, WrongTanh), wrongParameters);
Say($"For comparison, GradCheck on the parameters alone: \"{leavesOnly}\". It says that a gradient is wrong "
    + $"(input {leavesOnly.InputIndex} is {wrongParameters[leavesOnly.InputIndex].Name}), not which rule made it so; the trace "
    + "checks every node on the way and points at the op.");
Check(!leavesOnly.Passed(1e-6), "GradCheck on the parameters also fails");

// ---------------------------------------------------------------------------------------------------------
Section("4. The rule fixed");
static Var<double> MyTanh(Var<double> z)
{
    var y = z.Value.Tanh();
    return Var<double>.Custom("my_tanh", y, [z], dh => [dh * (1.0 - y * y)]);
}
var (fixedParameters, _, _) = MakeModel();
var fixedTrace = BackwardTrace.Run(Loss(fixedParameters, xs, ts, MyTanh), checkNumerically: true, maxElementsPerNode: 64);
Say($"With ∂L/∂z = ∂L/∂h · (1 − h²): {fixedTrace.Diagnosis}.");
Check(fixedTrace.Passed, "every node of the fixed model passes the numeric check");
Check(fixedParameters.Zip(parameters).All(p => MaxDiff(p.First.Grad!, p.Second.Grad!) == 0),
    "and the parameters' gradients are exactly those of the library's tanh");

return Finish();
