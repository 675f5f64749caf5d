using Scratch.Tensors;

namespace Scratch.Autograd;

/// <summary>
/// A recorded backward pass: for every node, in the order the engine visits them (the output first, each node
/// after every node that used it), the gradient ∂L/∂node that arrived and what its backward function sent to
/// each input, ∂L/∂input = ∂L/∂node · ∂node/∂input. Optionally each node's gradient is also checked against
/// central differences, which pinpoints a wrong backward rule: the first node whose gradient disagrees was
/// sent a wrong contribution by one of the nodes that used it, whose own gradients still agreed.
/// <code>
/// var trace = BackwardTrace.Run(() =&gt; Loss(model.Forward(x), y), checkNumerically: true);
/// Console.WriteLine(trace);                 // one block per node
/// if (!trace.Passed) Console.WriteLine(trace.Diagnosis);
/// </code>
/// Make one with <see cref="Run"/> (double, with numeric checks) or <see cref="Var{T}.TraceBackward()"/> (any
/// precision, on a graph already built).
/// </summary>
public sealed partial class BackwardTrace
{
    internal BackwardTrace(IReadOnlyList<BackwardStep> steps) => Steps = steps;

    /// <summary>Every node's step, output first (reverse topological order).</summary>
    public IReadOnlyList<BackwardStep> Steps { get; }

    /// <summary>The first step whose node is named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No node has that name; the message lists the names there are.</exception>
    public BackwardStep this[string name] =>
        Steps.FirstOrDefault(s => s.Name == name)
        ?? throw new KeyNotFoundException($"backward trace: no node is named '{name}'; the named nodes are {string.Join(", ", Steps.Where(s => s.Name is not null).Select(s => $"'{s.Name}'"))}");

    /// <summary>The contributions the node of <paramref name="step"/> received, in the order they were sent; their sum is its gradient.</summary>
    public IReadOnlyList<BackwardSend> SendsTo(BackwardStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return [.. Steps.SelectMany(s => s.Sends).Where(s => s.ToStep == step.Index)];
    }

    /// <summary>True when the trace was made with numeric checks.</summary>
    public bool IsChecked => Steps.Any(s => s.Check is not null);

    /// <summary>True when numeric checks were made and every checked node's gradient agreed.</summary>
    public bool Passed => IsChecked && Steps.All(s => s.Check is null || s.Check.Passed);

    /// <summary>The first step (closest to the output) whose gradient disagrees with central differences; null if none.</summary>
    public BackwardStep? FirstMismatch => Steps.FirstOrDefault(s => s.Check is { Passed: false });

    /// <summary>
    /// The nodes whose backward rules sent <see cref="FirstMismatch"/> its gradient. Every one of them comes earlier
    /// in the trace, so its own gradient agreed (or was not checked): what it received was right and what it sent
    /// was wrong, so its backward rule disagrees with its forward computation. Empty when nothing mismatched.
    /// </summary>
    public IReadOnlyList<BackwardStep> Suspects => FirstMismatch is { } first
        ? [.. SendsTo(first).Select(s => s.FromStep).Distinct().Order().Select(i => Steps[i])]
        : [];

    /// <summary>One paragraph: which node's gradient first disagrees and whose backward rule to suspect, or that all agree.</summary>
    public string Diagnosis
    {
        get
        {
            if (!IsChecked)
            {
                return "not checked: make the trace with BackwardTrace.Run(f, checkNumerically: true) to compare every gradient with central differences";
            }
            if (FirstMismatch is not { } first)
            {
                double worst = Steps.Where(s => s.Check is not null).Max(s => s.Check!.RelativeError);
                return $"every checked gradient agrees with central differences (worst relative error {TraceText.Number(worst)})";
            }
            var check = first.Check!;
            string where = $"first mismatch at step {first.Index}: ∂L/∂{first.Label} ({first.Op} {Shapes.Format(first.Shape)}) is {TraceText.Number(check.Traced)} at {Shapes.Format(check.WorstIndex)}, " +
                $"but central differences give {TraceText.Number(check.Numeric)} (relative error {TraceText.Number(check.RelativeError)})";
            var suspects = Suspects;
            if (suspects.Count == 0)
            {
                return where + "; nothing sent it a gradient";
            }
            string names = string.Join(", ", suspects.Select(s => $"{s.Describe()} at step {s.Index}"));
            string verdict = suspects.Count == 1
                ? $"its gradient was sent by {names}, whose own gradient agrees: the backward rule of {suspects[0].Op} disagrees with its forward computation"
                : $"its gradient was sent by {names}, whose own gradients agree: the backward rule of one of them disagrees with its forward computation";
            return where + ";\n" + verdict;
        }
    }

    /// <summary>
    /// Builds the graph by calling <paramref name="f"/>, runs the backward pass while recording it (exactly as
    /// <see cref="Var{T}.Backward()"/> would: the same gradients end up in the same leaves), and, if asked, checks
    /// every node's gradient by central differences.
    /// <para>
    /// The numeric check of node v, element i: ∂L/∂vᵢ ≈ (L(vᵢ + h) − L(vᵢ − h)) / 2h, where L(vᵢ ± h) re-runs
    /// <paramref name="f"/> with h added to (or taken from) element i of v as v is created, so everything computed
    /// after it sees the nudge (see <c>ForwardProbe</c>). Nodes are matched across runs by creation order, so
    /// <paramref name="f"/> must build the same graph every time (no fresh randomness; dropout off). Leaves made
    /// before <paramref name="f"/> runs (a model's parameters) are nudged in place and restored; other nodes made
    /// before it are not checked, nor are the leaves they were computed from. Each element's relative error is |a − n| / max(|a|, |n|, tiny).
    /// </para>
    /// </summary>
    /// <param name="f">Builds the graph and returns a single number L (a loss).</param>
    /// <param name="checkNumerically">Also check every node's gradient by central differences (two runs of f per element).</param>
    /// <param name="h">The finite-difference step (GradCheck's; truncation error O(h²), rounding error about 1e-16·|L| / h).</param>
    /// <param name="maxElementsPerNode">At most this many elements of each node are checked, evenly spaced from the first to the last.</param>
    /// <param name="tolerance">The largest relative error that passes.</param>
    /// <param name="tiny">The smallest denominator of the relative error (as in <see cref="GradCheck"/>).</param>
    /// <exception cref="ArgumentException">f returned more than one number.</exception>
    /// <exception cref="InvalidOperationException">f built a different graph, or computed a different L, when run again.</exception>
    public static BackwardTrace Run(Func<Var<double>> f, bool checkNumerically = false, double h = 1e-5,
        int maxElementsPerNode = 32, double tolerance = 1e-6, double tiny = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxElementsPerNode, 1);
        var created = new List<Var<double>>();
        var counting = new ForwardProbe<double>(created);
        Var<double> output = Var<double>.WithProbe(counting, f);
        if (output.Value.Count != 1)
        {
            throw new ArgumentException($"backward trace: f must return a single number (a loss); it returned shape {Shapes.Format(output.Shape)}", nameof(f));
        }
        var (trace, nodes) = output.TraceBackwardWithNodes(Tensor<double>.Ones(output.Shape));
        if (!checkNumerically)
        {
            return trace;
        }
        var numeric = new NumericPass(f, created, nodes, output.Value.Item(), h, maxElementsPerNode, tolerance, tiny);
        return new BackwardTrace([.. trace.Steps.Select((step, i) => step with { Check = numeric.Check(nodes[i], step) })]);
    }
}
