using System.Globalization;
using System.Text;
using Scratch.Tensors;

namespace Scratch.Autograd;

// Graph export: the graph behind a value as Graphviz DOT text, to look at what Backward will walk.
//
//     File.WriteAllText("loss.dot", loss.ToDot());      then, in a shell:   dot -Tsvg loss.dot -o loss.svg
//
// One box per op, one ellipse per leaf, an arrow from every input to the value computed from it (the
// direction of the forward pass; Backward walks the arrows the other way).
public sealed partial class Var<T>
{
    /// <summary>
    /// The graph this value was computed from, as Graphviz DOT text: one node per value (its op, shape,
    /// name if any, a summary of its value, and of its gradient when it has one) and one edge per input
    /// link, from the input to the value computed from it. An input used twice (x · x) has two edges.
    /// <para>
    /// Nodes are numbered n0, n1, … in topological order (inputs before the values computed from them),
    /// so the same graph always gives the same text. The walk is <see cref="Backward()"/>'s own, so very
    /// deep graphs export too; unlike Backward it also follows inputs that need no gradient (constants, data).
    /// </para>
    /// </summary>
    /// <param name="graphName">The name written after <c>digraph</c>.</param>
    public string ToDot(string graphName = "scratch")
    {
        List<Var<T>> nodes = TopologicalOrder(allInputs: true);
        var number = new Dictionary<Var<T>, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < nodes.Count; i++)
        {
            number[nodes[i]] = i;
        }

        var dot = new StringBuilder();
        dot.Append("digraph ").Append(DotQuote(graphName)).Append(" {\n");
        dot.Append("  rankdir=LR;\n");
        dot.Append("  node [fontname=\"monospace\", fontsize=10];\n");
        foreach (var node in nodes)
        {
            string shape = node.IsLeaf ? "ellipse" : "box";
            string style = node == this ? ", style=bold" : node.IsLeaf && node.RequiresGrad ? ", style=filled, fillcolor=lightblue" : "";
            dot.Append($"  n{number[node]} [shape={shape}{style}, label={DotQuote(node.DotLabel())}];\n");
        }
        foreach (var node in nodes)
        {
            for (int i = 0; i < node.Parents.Count; i++)
            {
                // Label the edge with the input's position when it matters (a − b is not b − a).
                string label = node.Parents.Count > 1 ? $" [label=\"{i}\"]" : "";
                dot.Append($"  n{number[node.Parents[i]]} -> n{number[node]}{label};\n");
            }
        }
        dot.Append("}\n");
        return dot.ToString();
    }

    /// <summary>The lines of a node's label: "name", "op shape", the value, the gradient.</summary>
    private string DotLabel()
    {
        var lines = new List<string>();
        if (Name is not null)
        {
            lines.Add(Name);
        }
        lines.Add($"{Op} {Shapes.Format(Value.Shape)}");
        lines.Add("value " + Summarize(Value));
        if (Grad is not null)
        {
            lines.Add("grad " + Summarize(Grad));
        }
        return string.Join("\n", lines);
    }

    /// <summary>A single number as itself; a larger tensor as its mean, min and max.</summary>
    private static string Summarize(Tensor<T> x)
    {
        static string F(T v) => double.CreateChecked(v).ToString("G4", CultureInfo.InvariantCulture);
        return x.Count switch
        {
            0 => "(empty)",
            1 => F(x.ToArray()[0]),
            _ => $"mean {F(x.Mean().Item())} min {F(x.Min().Item())} max {F(x.Max().Item())}",
        };
    }

    /// <summary>
    /// A DOT string literal: quotes around, and inside a backslash before every quote and backslash, so a
    /// name like <c>say "hi"\</c> cannot end the string early. A line break becomes DOT's <c>\n</c>.
    /// </summary>
    private static string DotQuote(string text)
    {
        var quoted = new StringBuilder("\"");
        foreach (char c in text)
        {
            switch (c)
            {
                case '"': quoted.Append("\\\""); break;
                case '\\': quoted.Append("\\\\"); break;
                case '\n': quoted.Append("\\n"); break;
                case '\r': break;
                default: quoted.Append(c); break;
            }
        }
        return quoted.Append('"').ToString();
    }
}
