using System.Text;
using Scratch.Tensors;

namespace Scratch.Autograd;

// The trace as text: one block per node, in the order the engine visited them.
public sealed partial class BackwardTrace
{
    /// <summary>
    /// The trace as a report, one block per node, in the order the engine visited them:
    /// <code>
    /// step 3  h1  tanh [2]  value [0.7616, -0.4621]
    ///   ∂L/∂h1 arrives, the sum of 2 contributions: step 1 (y, input 0) + step 2 (s, input 0): [0.42, -1.5]
    ///   sends to input 0 (z1, add [2], step 4): [0.1764, -1.18]
    ///   numeric check ✓  worst relative error 3.1e-10 over 2 of 2 elements
    /// </code>
    /// A matrix printed in full goes below its line, one row per line:
    /// <code>
    ///   ∂L/∂W arrives from step 5 (W·x):
    ///       [[ 0.5, 0.25],
    ///        [-1.5,    2]]
    ///   numeric check ✓  worst relative error 3e-10 over 4 of 4 elements
    /// </code>
    /// ending with the <see cref="Diagnosis"/> when the trace was checked. A failed check is marked ✘ (U+2718), not
    /// the lessons' ✗ (U+2717): a lesson that shows a wrong rule on purpose prints it, and a ✗ there means a claim
    /// of the lesson failed.
    /// </summary>
    /// <param name="maxElements">Tensors with at most this many elements print in full; larger ones as shape, norm, mean and first values.</param>
    /// <param name="showValues">Also print each node's forward value.</param>
    public string Format(int maxElements = 8, bool showValues = true)
    {
        var text = new StringBuilder();
        if (Steps.Count == 0)
        {
            return "backward trace: empty";
        }
        var output = Steps[0];
        text.Append($"backward trace of L = {output.Describe()}: {Steps.Count} nodes, in the order Backward visits them\n")
            .Append("(each node after every node that used it, so its gradient is complete when its turn comes)\n");
        foreach (var step in Steps)
        {
            text.Append('\n');
            AppendStep(text, step, maxElements, showValues);
        }
        if (IsChecked)
        {
            text.Append('\n').Append(Passed ? "✓ " : "✘ ").Append(Diagnosis).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>One step's block of the report (see <see cref="Format(int, bool)"/>), to look at one node.</summary>
    /// <param name="step">A step of this trace.</param>
    /// <param name="maxElements">Tensors with at most this many elements print in full.</param>
    /// <param name="showValues">Also print the node's forward value.</param>
    public string Format(BackwardStep step, int maxElements = 8, bool showValues = true)
    {
        ArgumentNullException.ThrowIfNull(step);
        if (step.Index < 0 || step.Index >= Steps.Count || !ReferenceEquals(Steps[step.Index], step))
        {
            throw new ArgumentException($"backward trace: step {step.Index} ({step.Describe()}) is not a step of this trace", nameof(step));
        }
        var text = new StringBuilder();
        AppendStep(text, step, maxElements, showValues);
        return text.ToString();
    }

    /// <summary>The report with default settings (see <see cref="Format(int, bool)"/>).</summary>
    public override string ToString() => Format();

    /// <summary>
    /// "lead: tensor" on one line (after <paramref name="indent"/>), or for a matrix printed in full, "lead:" and then
    /// its rows, one per line, indented below it. The value on a step's first line uses indent "" and a space.
    /// </summary>
    private static void Tensor(StringBuilder text, string indent, string lead, Tensor<double> x, int maxElements)
    {
        string shown = TraceText.Tensor(x, maxElements);
        string separator = indent.Length == 0 ? "  " : "";
        if (!shown.Contains('\n'))
        {
            text.Append(separator).Append(indent).Append(lead).Append(indent.Length == 0 ? " " : ": ").Append(shown).Append('\n');
            return;
        }
        text.Append(indent.Length == 0 ? "\n  " : indent).Append(lead).Append(":\n");
        foreach (string line in shown.Split('\n'))
        {
            text.Append("      ").Append(line).Append('\n');
        }
    }

    /// <summary>"h1, tanh [2,4], step 3", or "tanh [2,4], step 3" for a node without a name.</summary>
    private static string Where(BackwardStep step) =>
        $"{(step.Name is null ? "" : step.Name + ", ")}{step.Op} {Shapes.Format(step.Shape)}, step {step.Index}";

    private void AppendStep(StringBuilder text, BackwardStep step, int maxElements, bool showValues)
    {
        text.Append($"step {step.Index}  {(step.Name is null ? "" : step.Name + "  ")}{step.Op} {Shapes.Format(step.Shape)}");
        if (showValues)
        {
            Tensor(text, "", "value", step.Value, maxElements);
        }
        else
        {
            text.Append('\n');
        }

        var received = SendsTo(step);
        string source = step.Index == 0 ? " (the seed: ∂L/∂L = 1)"
            : received.Count == 1 ? $" from step {received[0].FromStep} ({Steps[received[0].FromStep].Label})"
            : received.Count > 1 ? $", the sum of {received.Count} contributions: " +
                string.Join(" + ", received.Select(s => $"step {s.FromStep} ({Steps[s.FromStep].Label}{(s.InputPosition >= 0 ? $", input {s.InputPosition}" : "")})"))
            : "";
        if (step.Gradient is null)
        {
            text.Append($"  ∂L/∂{step.Label}: nothing arrived (no use of this node sent a gradient)\n");
        }
        else
        {
            Tensor(text, "  ", $"∂L/∂{step.Label} arrives{source}", step.Gradient, maxElements);
        }

        foreach (var send in step.Sends)
        {
            string to = send.ToStep >= 0 ? Where(Steps[send.ToStep]) : "a node outside the trace";
            string place = send.InputPosition >= 0 ? $"input {send.InputPosition}" : "a node that is NOT one of its inputs";
            Tensor(text, "  ", $"sends to {place} ({to})", send.Contribution, maxElements);
        }
        if (step.IsLeaf)
        {
            text.Append("  (a leaf: no backward function; the gradient stays here)\n");
        }

        if (step.Check is { } check)
        {
            string over = $"over {check.ElementsChecked} of {check.ElementCount} elements";
            text.Append(check.Passed
                ? $"  numeric check ✓  worst relative error {TraceText.Number(check.RelativeError)} {over}\n"
                : $"  numeric check ✘ MISMATCH at {Shapes.Format(check.WorstIndex)}: traced {TraceText.Number(check.Traced)}, " +
                  $"central difference {TraceText.Number(check.Numeric)}, relative error {TraceText.Number(check.RelativeError)} > {TraceText.Number(check.Tolerance)} ({over})\n");
        }
        else if (IsChecked)
        {
            text.Append("  numeric check: not possible (made before f ran, and f cannot recompute it or a value computed from it)\n");
        }
    }
}
