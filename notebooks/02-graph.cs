#!/usr/bin/env dotnet
// Lesson 02 — The graph
//
// Every value computed from Var<double>s remembers the values it came from and how to send a gradient back to
// them: together they form a graph. One neuron (micrograd's example) is already a graph of ten nodes:
//
//     n = x1·w1 + x2·w2 + b          o = tanh(n)
//
// Backward() visits the nodes from o back to the leaves, and at each node applies the chain rule once, with
// the local derivative of that node's op:
//
//     ∂o/∂o = 1
//     ∂o/∂n = ∂o/∂o · (1 − o²)                                    tanh
//     ∂o/∂b = ∂o/∂n · 1,   ∂o/∂(x1·w1 + x2·w2) = ∂o/∂n · 1          add: the gradient passes through unchanged
//     ∂o/∂(x1·w1) = ∂o/∂(x2·w2) = ∂o/∂(x1·w1 + x2·w2)               add again
//     ∂o/∂w1 = ∂o/∂(x1·w1) · x1,   ∂o/∂x1 = ∂o/∂(x1·w1) · w1         mul: each input gets the other input
//
// A value used twice gets one contribution per use, and its gradient is their sum (the multivariable chain
// rule): for b = a + a, ∂b/∂a = 1 + 1 = 2. That is why the engine adds gradients (+=) instead of assigning.
//
// Library files to read beside it: Autograd/Var.cs (Record, AccumulateGrad and its +=), Autograd/Var.Backward.cs
// (the order and the walk), Autograd/Ops/Var.Arithmetic.cs (add, mul), Autograd/Ops/Var.Activations.cs (tanh),
// Autograd/Var.Dot.cs and Autograd/Var.Svg.cs with Autograd/GraphLayout.cs (the pictures), Autograd/Var.Trace.cs
// (watching the sends).
//
// Run:  dotnet run notebooks/02-graph.cs            (add --quick for the short version the tests run)
#:project ../Gpt/Scratch.Gpt.csproj
#:property PublishAot=false
#:include shared/Lesson.cs
using System.Xml.Linq;
using Scratch.Autograd;
using Scratch.Lessons;
using Scratch.Tensors;
using static Scratch.Lessons.Lesson;

Start(args, "02", "the graph");

static Var<double> Leaf(double v, string name) => new(Tensor<double>.Scalar(v), requiresGrad: true, name: name);

// ---------------------------------------------------------------------------------------------------------
Section("1. One neuron, forward");
// micrograd's numbers: b is chosen so that n comes out at 0.8814 and o = tanh(n) at 1/√2.
double x1 = 2.0, x2 = 0.0, w1 = -3.0, w2 = 1.0, b = 6.8813735870195432;
double x1w1 = x1 * w1, x2w2 = x2 * w2, s = x1w1 + x2w2, n = s + b, o = Math.Tanh(n);

// The neuron with Var<double>: every operator records a node. (A function, because section 2 builds it twice.)
Var<double>[] Neuron()
{
    var X1 = Leaf(x1, "x1"); var X2 = Leaf(x2, "x2");
    var W1 = Leaf(w1, "w1"); var W2 = Leaf(w2, "w2");
    var B = Leaf(b, "b");
    var X1W1 = X1 * W1; X1W1.Name = "x1w1";
    var X2W2 = X2 * W2; X2W2.Name = "x2w2";
    var S = X1W1 + X2W2; S.Name = "s";
    var N = S + B; N.Name = "n";
    var O = N.Tanh(); O.Name = "o";
    return [X1, W1, X2, W2, B, X1W1, X2W2, S, N, O];
}
var neuron = Neuron();
var (X1, W1, X2, W2, O) = (neuron[0], neuron[1], neuron[2], neuron[3], neuron[9]);

Say("The same neuron twice: in plain doubles, and with Var<double>, where each operator records a node. Every "
    + "node's value is computed once, now; nothing about gradients has happened yet.");
(string Formula, double ByHand)[] forward =
[
    ("input", x1), ("weight", w1), ("input", x2), ("weight", w2), ("bias", b),
    ("x1·w1", x1w1), ("x2·w2", x2w2), ("x1w1 + x2w2", s), ("s + b", n), ("tanh(n)", o),
];
var nodes = neuron.Select((node, i) => (Name: node.Name!, forward[i].Formula, forward[i].ByHand, Node: node)).ToArray();
Table(["node", "computed as", "op", "value (doubles)", "value (Var)"],
    nodes.Select(r => (IReadOnlyList<object>)[r.Name, r.Formula, r.Node.Op, r.ByHand, r.Node.Value.Item()]));
Check(nodes.All(r => r.Node.Value.Item() == r.ByHand), "every node's value is exactly the plain-double value");
Close(o, 1 / Math.Sqrt(2), 1e-15, "o = tanh(0.8814) = 1/√2");

// ---------------------------------------------------------------------------------------------------------
Section("2. Backward, by hand and by Backward()");
Say("By hand, from the output back, one local derivative per node (the rule of its op), in plain doubles: the "
    + "columns 'by hand' and 'arithmetic' below.");
double do_do = 1.0;
double do_dn = do_do * (1 - o * o);          // tanh:  ∂o/∂n = 1 − o²
double do_ds = do_dn * 1.0, do_db = do_dn * 1.0;      // add:   the gradient passes to both inputs
double do_dx1w1 = do_ds * 1.0, do_dx2w2 = do_ds * 1.0;
double do_dx1 = do_dx1w1 * w1, do_dw1 = do_dx1w1 * x1; // mul:   each input gets the other one
double do_dx2 = do_dx2w2 * w2, do_dw2 = do_dx2w2 * x2;
var byHand = new Dictionary<string, (double Grad, string Arithmetic)>
{
    ["o"] = (do_do, "1 (the seed)"),
    ["n"] = (do_dn, $"1 · (1 − o²) = 1 − {G(o)}² = {G(do_dn)}"),
    ["b"] = (do_db, $"∂o/∂n · 1 = {G(do_db)}"),
    ["s"] = (do_ds, $"∂o/∂n · 1 = {G(do_ds)}"),
    ["x1w1"] = (do_dx1w1, $"∂o/∂s · 1 = {G(do_dx1w1)}"),
    ["x2w2"] = (do_dx2w2, $"∂o/∂s · 1 = {G(do_dx2w2)}"),
    ["x1"] = (do_dx1, $"∂o/∂x1w1 · w1 = {G(do_dx1w1)} · {G(w1)} = {G(do_dx1)}"),
    ["w1"] = (do_dw1, $"∂o/∂x1w1 · x1 = {G(do_dx1w1)} · {G(x1)} = {G(do_dw1)}"),
    ["x2"] = (do_dx2, $"∂o/∂x2w2 · w2 = {G(do_dx2w2)} · {G(w2)} = {G(do_dx2)}"),
    ["w2"] = (do_dw2, $"∂o/∂x2w2 · x2 = {G(do_dx2w2)} · {G(x2)} = {G(do_dw2)}"),
};

O.Backward();
// The order Backward visits the nodes in, recorded on a second copy of the neuron (a second Backward on this
// one would add to the leaves' gradients, Autograd/README.md §7). TraceBackward is Backward with a recorder.
var copy = Neuron();
var order = copy[9].TraceBackward().Steps.Select(step => step.Name!).ToList();
Say("Then O.Backward() fills every node's Grad. Side by side, in the order Backward visits the nodes:");
Table(["node", "value", "∂o/∂node by hand", "arithmetic", "∂o/∂node by Backward()"],
    order.Select(name =>
    {
        var node = nodes.Single(r => r.Name == name).Node;
        return (IReadOnlyList<object>)[name, node.Value.Item(), byHand[name].Grad, byHand[name].Arithmetic, node.Grad!.Item()];
    }));
Check(nodes.All(r => r.Node.Grad!.Item() == byHand[r.Name].Grad), "Backward() gives every node exactly the hand-computed gradient");
Check(copy.Zip(neuron).All(p => p.First.Grad!.Item() == p.Second.Grad!.Item()), "TraceBackward on the copy leaves the same gradients as Backward");
Check(order[0] == "o" && order.IndexOf("n") < order.IndexOf("s") && order.IndexOf("s") < order.IndexOf("x1w1"),
    $"Backward visits o first and every node after all the nodes that use it: {string.Join(", ", order)}");
Close(do_dn, 0.5, 1e-12, "∂o/∂n = 1 − (1/√2)² = 0.5");
double[] micrograd = [-1.5, 1.0, 0.5, 0.0]; // x1, w1, x2, w2; o is 1/√2 only to rounding, so these are exact only to ~1e-16
Check(new[] { X1, W1, X2, W2 }.Zip(micrograd).All(p => Math.Abs(p.First.Grad!.Item() - p.Second) < 1e-12),
    "micrograd's gradients, to 1e-12: x1 −1.5, w1 1, x2 0.5, w2 0 (w2 learns nothing from this example: its input x2 is 0)");
double h = 1e-6;
double nudged = (Math.Tanh(x1 * (w1 + h) + x2 * w2 + b) - Math.Tanh(x1 * (w1 - h) + x2 * w2 + b)) / (2 * h);
Close(nudged, W1.Grad!.Item(), 1e-8, "nudging w1 by ±1e-6 agrees with ∂o/∂w1");

// ---------------------------------------------------------------------------------------------------------
Section("3. The graph, drawn");
Say("ToSvg() lays the graph out itself: a node's column is the longest path to it from a leaf, a leaf sits just "
    + "before its first use, inputs are on the left and the output on the right. Parameters and inputs that "
    + "require a gradient are blue; each box shows the node's value and its gradient.");
string svg = O.ToSvg("one neuron: o = tanh(x1·w1 + x2·w2 + b)");
Picture("neuron.svg", svg);
var root = XDocument.Parse(svg).Root!;
XNamespace ns = "http://www.w3.org/2000/svg";
int boxes = root.Elements(ns + "g").Count(), arrows = root.Elements(ns + "path").Count();
Check(boxes == 10 && arrows == 9, $"the picture is well-formed XML with {boxes} boxes (5 leaves, 5 ops) and {arrows} arrows (two per mul and add, one for tanh)");
string dot = O.ToDot("neuron");
Say("The same graph as Graphviz DOT text (paste it into any Graphviz viewer, or `dot -Tsvg`):");
Console.WriteLine();
Console.WriteLine(dot);
Check(dot.Split('\n').Count(l => l.Contains(" -> ", StringComparison.Ordinal)) == arrows, "the DOT text has the same 9 edges");
Check(dot.Contains("label=\"n\\nadd []\\nvalue 0.8814\\ngrad 0.5\"", StringComparison.Ordinal), "the DOT node of n shows its value 0.8814 and gradient 0.5");

// ---------------------------------------------------------------------------------------------------------
Section("4. A node used twice: why gradients are added");
Say("b = a + a at a = 3. Each use of a is one input of add, and add sends ∂L/∂b to each input, so a receives two "
    + "contributions. The trace shows the sends as the engine makes them:");
var a = Leaf(3.0, "a");
var twice = a + a; twice.Name = "b";
var trace = twice.TraceBackward();
Console.WriteLine(trace.Format(showValues: true));
var into = trace.SendsTo(trace["a"]);
double sum = into.Sum(send => send.Contribution.Item());
double slope = ((3.0 + h) + (3.0 + h) - ((3.0 - h) + (3.0 - h))) / (2 * h);
Check(into.Count == 2 && into.All(send => send.Contribution.Item() == 1.0), "add sends 1 to a twice, once per input (positions 0 and 1)");
Check(sum == 2.0 && a.Grad!.Item() == 2.0, $"a's gradient is the sum of its two contributions: 1 + 1 = {G(a.Grad!.Item())}");
Close(slope, 2.0, 1e-9, "nudging a moves b twice as fast: (b(a + h) − b(a − h)) / 2h");
Say($"An engine that assigned (grad = contribution) instead of adding (grad += contribution) would keep only the "
    + $"last send, {G(into[^1].Contribution.Item())}, and be wrong by half: the classic bug of a first autograd engine.");
Check(into[^1].Contribution.Item() != slope, "the last contribution alone is not the derivative");

Say("\nThe same with a product, c = a·a: mul sends each input the other input times ∂L/∂c, so a receives a and a, "
    + "and ∂c/∂a = a + a = 2a.");
var a2 = Leaf(3.0, "a");
var square = a2 * a2; square.Name = "c";
var squareTrace = square.TraceBackward();
var sends = squareTrace.SendsTo(squareTrace["a"]);
Console.WriteLine(squareTrace.Format());
Check(sends.Count == 2 && sends.All(send => send.Contribution.Item() == 3.0) && a2.Grad!.Item() == 6.0,
    "mul sends a = 3 twice, and ∂c/∂a = 3 + 3 = 6 = 2a");
string squareSvg = square.ToSvg("c = a·a: two arrows from a, one per input");
Picture("used-twice.svg", squareSvg);
var squareRoot = XDocument.Parse(squareSvg).Root!;
var edgeInputs = squareRoot.Elements(ns + "path").Select(p => (string)p.Attribute("data-input")!).ToList();
Check(edgeInputs.SequenceEqual(["0", "1"]), "the picture draws two arrows from a to c, labelled input 0 and input 1");

if (!Quick)
{
    Say("\nA third use through a different op: d = a·a + a. Three contributions arrive: a and a from mul, 1 from add.");
    var a3 = Leaf(3.0, "a");
    var sq = a3 * a3; sq.Name = "a²";
    var d = sq + a3; d.Name = "d";
    var dTrace = d.TraceBackward();
    Console.WriteLine(dTrace.Format());
    Check(dTrace.SendsTo(dTrace["a"]).Count == 3 && a3.Grad!.Item() == 7.0, "∂d/∂a = 3 + 3 + 1 = 7 = 2a + 1");
}

return Finish();
