using System.Text;
using Scratch.Tensors;

namespace Scratch.Autograd;

// The trace as text: one block per node, in the order the engine visited them.
public sealed partial class BackwardTrace
{
    /// <summary>
    /// The trace as a report, one block per node, in the order the engine visited them:
    /// <code>
    /// step 3  h1  tanh [2,4]  value [[0.1, …]]
    ///   ∂L/∂h1 arrives: [[…]]  from step 2 (linear, input 0)
    ///   sends to input 0 (z1, add [2,4], step 4): [[…]]
    ///   numeric check ✓  worst relative error 3e-10 over 8 of 8 elements
    /// </code>
    /// ending with the <see cref="Diagnosis"/> when the trace was checked.
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
            text.Append('\n').Append(Passed ? "✓ " : "✗ ").Append(Diagnosis).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>The report with default settings (see <see cref="Format"/>).</summary>
    public override string ToString() => Format();

    /// <summary>"h1, tanh [2,4], step 3", or "tanh [2,4], step 3" for a node without a name.</summary>
    private static string Where(BackwardStep step) =>
        $"{(step.Name is null ? "" : step.Name + ", ")}{step.Op} {Shapes.Format(step.Shape)}, step {step.Index}";

    private void AppendStep(StringBuilder text, BackwardStep step, int maxElements, bool showValues)
    {
        text.Append($"step {step.Index}  {(step.Name is null ? "" : step.Name + "  ")}{step.Op} {Shapes.Format(step.Shape)}");
        if (showValues)
        {
            text.Append("  value ").Append(TraceText.Tensor(step.Value, maxElements));
        }
        text.Append('\n');

        text.Append($"  ∂L/∂{step.Label} arrives: ");
        text.Append(step.Gradient is null ? "nothing (no use of this node sent a gradient)" : TraceText.Tensor(step.Gradient, maxElements));
        var received = SendsTo(step);
        if (step.Index == 0)
        {
            text.Append("  (the seed: ∂L/∂L = 1)");
        }
        else if (received.Count == 1)
        {
            text.Append($"  from step {received[0].FromStep} ({Steps[received[0].FromStep].Label})");
        }
        else if (received.Count > 1)
        {
            string parts = string.Join(" + ", received.Select(s => $"step {s.FromStep} ({Steps[s.FromStep].Label}{(s.InputPosition >= 0 ? $", input {s.InputPosition}" : "")})"));
            text.Append($"  = the sum of {received.Count} contributions: {parts}");
        }
        text.Append('\n');

        foreach (var send in step.Sends)
        {
            string to = send.ToStep >= 0 ? Where(Steps[send.ToStep]) : "a node outside the trace";
            string place = send.InputPosition >= 0 ? $"input {send.InputPosition}" : "a node that is NOT one of its inputs";
            text.Append($"  sends to {place} ({to}): {TraceText.Tensor(send.Contribution, maxElements)}\n");
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
                : $"  numeric check ✗ MISMATCH at {Shapes.Format(check.WorstIndex)}: traced {TraceText.Number(check.Traced)}, " +
                  $"central difference {TraceText.Number(check.Numeric)}, relative error {TraceText.Number(check.RelativeError)} > {TraceText.Number(check.Tolerance)} ({over})\n");
        }
        else if (IsChecked)
        {
            text.Append("  numeric check: not possible (made before f ran, and f cannot recompute it or a value computed from it)\n");
        }
    }
}
