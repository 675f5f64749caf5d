using System.Text.RegularExpressions;
using Scratch.Tensors;

namespace Scratch.Autograd.Tests;

// Var.ToDot: checked structurally, without Graphviz (the tests must not depend on it being installed).
public sealed partial class GraphExportTests
{
    [GeneratedRegex(@"^  n(\d+) \[shape=(box|ellipse)[^\n]*label=""((?:[^""\\]|\\.)*)""\];$", RegexOptions.Multiline)]
    private static partial Regex NodeLine();

    [GeneratedRegex(@"^  n(\d+) -> n(\d+)( \[label=""\d+""\])?;$", RegexOptions.Multiline)]
    private static partial Regex EdgeLine();

    /// <summary>
    /// Walks DOT text the way Graphviz's lexer does for what we emit: a quoted string runs to the next
    /// unescaped quote; braces count only outside strings. Fails on an unterminated string or unbalanced braces.
    /// </summary>
    private static void AssertBalanced(string dot)
    {
        int depth = 0;
        bool inString = false;
        for (int i = 0; i < dot.Length; i++)
        {
            char c = dot[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++; // skip the escaped character
                }
                else if (c == '"')
                {
                    inString = false;
                }
                else
                {
                    Assert.NotEqual('\n', c); // a raw line break inside a label would be a bug in escaping
                }
            }
            else if (c == '"')
            {
                inString = true;
            }
            else if (c == '{')
            {
                depth++;
            }
            else if (c == '}')
            {
                depth--;
                Assert.True(depth >= 0, "a '}' closes nothing");
            }
        }
        Assert.False(inString, "a quoted string is not closed");
        Assert.Equal(0, depth);
    }

    private static Var<double> Leaf(double[] data, int[] shape, string? name = null, bool requiresGrad = true) =>
        new(Tensor<double>.FromArray(data, shape), requiresGrad, name);

    [Fact]
    public void OneNodePerValueAndOneEdgePerInputLink()
    {
        // L = (x·w + b) · (x·w + b) − c: leaves x, w, b, c; ops mul, add, mul, sub. The square uses h twice.
        var x = Leaf([1, 2, 3], [3], "x", requiresGrad: false);
        var w = Leaf([0.5, -1, 2], [3], "w");
        var b = Leaf([0.25], [1], "b");
        var c = Leaf([1], [1], "c", requiresGrad: false);
        var h = x * w + b;
        var loss = h * h - c;

        string dot = loss.ToDot();

        AssertBalanced(dot);
        Assert.StartsWith("digraph \"scratch\" {\n", dot);
        var nodes = NodeLine().Matches(dot);
        var edges = EdgeLine().Matches(dot);
        Assert.Equal(8, nodes.Count);       // 4 leaves + 4 ops
        Assert.Equal(8, edges.Count);       // mul: 2, add: 2, mul(h, h): 2, sub: 2
        Assert.Equal(4, nodes.Count(m => m.Groups[2].Value == "ellipse"));
        Assert.Equal(4, nodes.Count(m => m.Groups[2].Value == "box"));
        Assert.Equal(2, edges.Count(m => IsEdge(m, dot, "add", "mul"))); // h · h

        // Nodes are numbered in topological order: every edge goes from a smaller number to a larger one.
        Assert.All(edges, m => Assert.True(int.Parse(m.Groups[1].Value) < int.Parse(m.Groups[2].Value)));
        // The same graph gives the same text.
        Assert.Equal(dot, loss.ToDot());
    }

    /// <summary>True when the edge goes from a node whose label has op <paramref name="from"/> to one with op <paramref name="to"/>.</summary>
    private static bool IsEdge(Match edge, string dot, string from, string to)
    {
        var labels = NodeLine().Matches(dot).ToDictionary(m => m.Groups[1].Value, m => m.Groups[3].Value);
        return labels[edge.Groups[1].Value].Contains(from + " [") && labels[edge.Groups[2].Value].Contains(to + " [");
    }

    [Fact]
    public void LabelsShowOpShapeNameValueAndGradient()
    {
        var x = Leaf([1, 2, 3, 4, 5, 6], [2, 3], "x");
        var s = new Var<double>(Tensor<double>.Scalar(2.5), requiresGrad: true, "s");
        var y = x * s;
        y.Backward(Tensor<double>.Ones(2, 3));

        string dot = y.ToDot();

        // x: a named leaf with a gradient; its value summarised by mean, min and max.
        Assert.Contains("label=\"x\\nleaf [2,3]\\nvalue mean 3.5 min 1 max 6\\ngrad mean 2.5 min 2.5 max 2.5\"", dot);
        // s: a scalar prints as its number; its gradient is Σx = 21.
        Assert.Contains("label=\"s\\nleaf []\\nvalue 2.5\\ngrad 21\"", dot);
        // y: the output, in bold; its gradient is the upstream ones.
        Assert.Contains("[shape=box, style=bold, label=\"mul [2,3]\\nvalue mean 8.75 min 2.5 max 15\\ngrad mean 1 min 1 max 1\"]", dot);
        Assert.Contains("style=filled, fillcolor=lightblue", dot); // parameters stand out
    }

    [Fact]
    public void NamesWithQuotesBackslashesBracesAndLineBreaksAreEscaped()
    {
        var x = Leaf([1], [1], "say \"hi\" \\ {not a brace}\nsecond line");
        var y = x + x;

        string dot = y.ToDot("my \"graph\"");

        AssertBalanced(dot);
        Assert.StartsWith("digraph \"my \\\"graph\\\"\" {", dot);
        Assert.Contains("label=\"say \\\"hi\\\" \\\\ {not a brace}\\nsecond line\\nleaf [1]", dot);
        Assert.Equal(2, NodeLine().Matches(dot).Count);
        Assert.Equal(2, EdgeLine().Matches(dot).Count); // x + x: two links from the same input
        Assert.Contains("  n0 -> n1 [label=\"0\"];\n  n0 -> n1 [label=\"1\"];\n", dot);
    }

    [Fact]
    public void ALeafAloneIsOneNodeAndNoEdges()
    {
        string dot = Leaf([1, 2], [2]).ToDot();
        AssertBalanced(dot);
        Assert.Single(NodeLine().Matches(dot));
        Assert.Empty(EdgeLine().Matches(dot));
    }

    [Fact]
    public void DeepGraphExportsWithoutRecursion()
    {
        var x = Leaf([1], [1], "x");
        var y = x;
        for (int i = 0; i < 100_000; i++)
        {
            y = -y;
        }

        string dot = y.ToDot();

        AssertBalanced(dot);
        Assert.Equal(100_001, NodeLine().Matches(dot).Count);
        Assert.Equal(100_000, EdgeLine().Matches(dot).Count);
    }
}
