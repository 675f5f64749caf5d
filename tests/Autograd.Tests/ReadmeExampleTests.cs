using System.Globalization;
using Scratch.Tensors;

namespace Scratch.Autograd.Tests;

// Autograd/README.md walks one example through the engine. These tests compute that example and
// check every number the README prints (the table, the order, the DOT text, the second pass, the
// broadcasting snippet), so the README cannot drift from the code.
public sealed class ReadmeExampleTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Autograd", "README.md"));

    /// <summary>
    /// The README's worked example (§2): the code between the markers is the README's ```csharp block, verbatim
    /// (tests/Docs.Tests checks it), so the README shows code that runs.
    /// </summary>
    private sealed class Example
    {
        public Example()
        {
            // README §2 begin
            Var<double> Scalar(double v, string name, bool requiresGrad = true) =>
                new(Tensor<double>.Scalar(v), requiresGrad, name);

            var x = Scalar(2.0, "x", requiresGrad: false); // the input
            var t = Scalar(1.0, "t", requiresGrad: false); // the target
            var w1 = Scalar(0.5, "w1");
            var b1 = Scalar(-0.25, "b1");
            var w2 = Scalar(2.0, "w2");
            var b2 = Scalar(0.5, "b2");

            var h = w1 * x + b1; // layer 1
            var a = h * h;       // its non-linearity: h is used twice
            var y = w2 * a + b2; // layer 2
            var e = y - t;
            var L = e * e;       // squared error: e is used twice
            (h.Name, a.Name, y.Name, e.Name, L.Name) = ("h", "a", "y", "e", "L"); // for the printouts below

            L.Backward();
            // README §2 end
            (X, T, W1, B1, W2, B2, H, A, Y, E, this.L) = (x, t, w1, b1, w2, b2, h, a, y, e, L);
        }

        public Var<double> X { get; }
        public Var<double> T { get; }
        public Var<double> W1 { get; }
        public Var<double> B1 { get; }
        public Var<double> W2 { get; }
        public Var<double> B2 { get; }
        public Var<double> H { get; }
        public Var<double> A { get; }
        public Var<double> Y { get; }
        public Var<double> E { get; }
        public Var<double> L { get; }

        public Var<double>[] All => [X, T, W1, B1, W2, B2, H, A, Y, E, L];
    }

    /// <summary>The README's table rows: name → (value, gradient or null for "—").</summary>
    private static Dictionary<string, (double Value, double? Grad)> ReadmeTable()
    {
        var rows = new Dictionary<string, (double, double?)>();
        foreach (string line in Readme.Split('\n'))
        {
            // | `h` | w1·x + b1 | 0.75 | 3.75 |
            if (!line.StartsWith("| `", StringComparison.Ordinal))
            {
                continue;
            }
            string[] cells = line.Split('|', StringSplitOptions.TrimEntries);
            if (cells.Length != 6 || cells[1].EndsWith(".cs`", StringComparison.Ordinal) || cells[1].Contains(".cs`,", StringComparison.Ordinal))
            {
                continue; // the file table
            }
            string name = cells[1].Trim('`');
            double value = double.Parse(cells[3], CultureInfo.InvariantCulture);
            double? grad = cells[4] == "—" ? null : double.Parse(cells[4], CultureInfo.InvariantCulture);
            rows[name] = (value, grad);
        }
        return rows;
    }

    private static string FencedBlock(string language)
    {
        string open = "```" + language + "\n";
        int start = Readme.IndexOf(open, StringComparison.Ordinal);
        Assert.True(start >= 0, $"README has no ```{language} block");
        start += open.Length;
        int end = Readme.IndexOf("```", start, StringComparison.Ordinal);
        return Readme[start..end];
    }

    [Fact]
    public void TheTableHoldsTheExamplesValuesAndGradients()
    {
        var example = new Example(); // forward and one backward pass
        var table = ReadmeTable();

        Assert.Equal(example.All.Length, table.Count);
        foreach (var node in example.All)
        {
            Assert.True(table.ContainsKey(node.Name!), $"README's table has no row for {node.Name}");
            var (value, grad) = table[node.Name!];
            Assert.Equal(value, node.Value.Item());
            Assert.Equal(grad, node.Grad?.Item());
        }
    }

    [Fact]
    public void TheExampleMatchesTheHandDerivation()
    {
        var example = new Example();
        Assert.Equal(0.390625, example.L.Value.Item());
        Assert.Equal(7.5, example.W1.Grad!.Item());        // ∂L/∂w1 = 2e · w2 · 2h · x
        Assert.Equal(3.75, example.B1.Grad!.Item());       // ∂L/∂b1 = 2e · w2 · 2h
        Assert.Equal(0.703125, example.W2.Grad!.Item());   // ∂L/∂w2 = 2e · a
        Assert.Equal(1.25, example.B2.Grad!.Item());       // ∂L/∂b2 = 2e
        Assert.Null(example.X.Grad);
        Assert.Null(example.T.Grad);
    }

    [Fact]
    public void TheTopologicalOrderIsTheOnePrinted()
    {
        var example = new Example();
        string order = string.Join(", ", example.L.TopologicalOrder().Select(n => n.Name ?? n.Op));
        Assert.Equal("w2, w1, mul, b1, h, a, mul, b2, y, e, L", order);
        Assert.Equal(order + "\n", FencedBlock("text"));
    }

    [Fact]
    public void TheDotTextIsTheOnePrinted()
    {
        var example = new Example();
        Assert.Equal(example.L.ToDot(), FencedBlock("dot"));
    }

    [Fact]
    public void ASecondBackwardDoesWhatTheReadmeSays()
    {
        var example = new Example(); // one pass
        example.L.Backward();
        Assert.Equal(3.75, example.H.Grad!.Item());
        Assert.Equal(15.0, example.W1.Grad!.Item());
        Assert.Contains("(`h.Grad` is still 3.75)", Readme);
        Assert.Contains("(`w1.Grad` becomes 15)", Readme);
    }

    [Fact]
    public void TheBroadcastingSnippetGivesThePrintedGradients()
    {
        // The README's §5 block, verbatim (tests/Docs.Tests checks it):
        var xs = new Var<double>(Tensor<double>.FromArray([1.0, 2.0, 3.0], 3), requiresGrad: true);
        var b = new Var<double>(Tensor<double>.FromArray([10.0], 1), requiresGrad: true);
        (xs + b).Backward(Tensor<double>.FromArray([1.0, 2.0, 3.0], 3));
        // xs.Grad is [1, 2, 3]; b.Grad is [6] = 1 + 2 + 3

        Assert.Equal([1.0, 2.0, 3.0], xs.Grad!.ToArray());
        Assert.Equal([6.0], b.Grad!.ToArray());
    }

    [Fact]
    public void TheAnomalyMessagesArePrintedAsTheEngineWritesThem()
    {
        // The two messages of §8 are the ones EngineBehaviourTests provokes; here their full text is checked.
        var p = new Var<double>(Tensor<double>.FromArray([1.0, 2, 3, 4, 5, 6], 2, 3), requiresGrad: true, "p");
        var q = new Var<double>(Tensor<double>.FromArray([1.0, 1, 1], 3), requiresGrad: true, "q");
        var r = new Var<double>(Tensor<double>.Scalar(0.5), requiresGrad: true, "r");
        var big = new Var<double>(Tensor<double>.FromArray([1e308, 1e308, 1e308], 1, 3));
        var x = new Var<double>(Tensor<double>.FromArray([1.0], 1), requiresGrad: true, "x");
        var y = x - (-x);
        using var _ = GradMode.DetectAnomaly();

        var h = p * q + r;
        var forward = Assert.Throws<AnomalyException>(() => h * big);
        var backward = Assert.Throws<AnomalyException>(() => y.Backward(Tensor<double>.FromArray([1e308], 1)));

        Assert.Contains("```text\n" + forward.Message + "\n" + backward.Message + "\n```", Readme);
    }

    [Fact]
    public void TheGradCheckLineIsTheOneGradCheckPrints()
    {
        // §9 prints the report of EngineBehaviourTests' deliberately wrong op, with the numeric value rounded.
        var a = Tensor<double>.FromArray([0.3, -1.2, 2.0], 3);
        var b = Tensor<double>.FromArray([1.0, -0.5, 0.25, 1.5, -2.0, 0.75], 2, 3);
        var bump = Tensor<double>.Zeros(2, 3);
        bump.AsSpan()[5] = 0.5;
        var result = GradCheck.Run(x => Var<double>.Record("wrong", (x[0].Value * x[0].Value).Sum() + (x[1].Value * x[1].Value).Sum(), [x[0], x[1]], dy =>
        {
            x[0].AccumulateGrad(2.0 * x[0].Value * dy);
            x[1].AccumulateGrad(2.0 * x[1].Value * dy + bump);
        }), [a, b]);

        string printed = result.ToString().Replace($"numeric {result.Numeric:G10}", $"numeric {Math.Round(result.Numeric, 6)}", StringComparison.Ordinal);
        Assert.Contains("```text\n" + printed + "\n```", Readme);
    }

    [Fact]
    public void TheTraceExcerptIsTheOneTraceBackwardPrints()
    {
        var example = new Example();
        string[] blocks = example.L.TraceBackward().Format().Split("\n\n");
        // blocks[0] is the header; block k + 1 is step k
        string excerpt = string.Join("\n\n", blocks[5..8]).TrimEnd('\n') + "\n";
        Assert.StartsWith("step 4  mul []", excerpt);
        Assert.Contains("```text\n" + excerpt + "```", Readme);
    }

    [Fact]
    public void TheDiagnosisIsTheOneAWrongSquarePrints()
    {
        var example = new Example();
        var trace = BackwardTrace.Run(() =>
        {
            var h = example.W1 * example.X + example.B1; h.Name = "h";
            var a = Var<double>.Custom("square", h.Value * h.Value, [h], da => [da * h.Value]); a.Name = "a";
            var y = example.W2 * a + example.B2; y.Name = "y";
            var e = y - example.T; e.Name = "e";
            var L = e * e; L.Name = "L";
            return L;
        }, checkNumerically: true);
        Assert.Contains("Custom(\"square\", h.Value * h.Value, [h], da => [da * h.Value])", Readme);
        Assert.Contains("```text\n" + trace.Diagnosis + "\n```", Readme);
    }
}
