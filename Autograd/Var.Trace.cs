using Scratch.Tensors;

namespace Scratch.Autograd;

// A backward pass you can watch. TraceBackward runs the same engine as Backward (Var.Backward.cs) with a recorder
// listening: the engine says whose turn it is, AccumulateGrad reports every contribution. Without a trace the
// recorder is null and each of those places costs one null check.
public sealed partial class Var<T>
{
    /// <summary>Set while <see cref="TraceBackward()"/> runs on this thread: hears every gradient sent. Null otherwise.</summary>
    [ThreadStatic]
    private static BackwardRecorder<T>? recorder;

    /// <summary>Set while <see cref="BackwardTrace.Run"/> runs a function: numbers every value created, and may nudge one.</summary>
    [ThreadStatic]
    private static ForwardProbe<T>? probe;

    /// <summary>
    /// <see cref="Backward()"/>, recorded: the same gradients end up in the same places, and the returned
    /// <see cref="BackwardTrace"/> lists every node in the order the engine visited it, with the gradient that
    /// arrived and what its backward function sent to each input. Print it to read the chain rule at work.
    /// For a numeric check of every node's gradient, use <see cref="BackwardTrace.Run"/>.
    /// </summary>
    public BackwardTrace TraceBackward()
    {
        if (Value.Count != 1)
        {
            throw new InvalidOperationException($"backward: the output has shape {Shapes.Format(Value.Shape)}; without an explicit gradient it must be a single number (a loss)");
        }
        return TraceBackward(Tensor<T>.Ones(Value.Shape));
    }

    /// <summary><see cref="Backward(Tensor{T})"/> with an explicit upstream gradient ∂L/∂(this), recorded (see <see cref="TraceBackward()"/>).</summary>
    public BackwardTrace TraceBackward(Tensor<T> gradient) => TraceBackwardWithNodes(gradient).Trace;

    /// <summary>The trace, and the node of each step (step i is <c>Nodes[i]</c>), for the numeric check.</summary>
    internal (BackwardTrace Trace, List<Var<T>> Nodes) TraceBackwardWithNodes(Tensor<T> gradient)
    {
        var previous = recorder;
        var heard = new BackwardRecorder<T>();
        recorder = heard;
        try
        {
            Backward(gradient);
        }
        finally
        {
            recorder = previous;
        }

        var nodes = heard.Turns.Select(t => t.Node).ToList();
        var step = new Dictionary<Var<T>, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < nodes.Count; i++)
        {
            step[nodes[i]] = i;
        }
        var sendsFrom = nodes.Select(_ => new List<BackwardSend>()).ToArray();
        var received = new Tensor<T>?[nodes.Count]; // for leaves: the sum of this pass's contributions
        foreach (var (from, to, contribution) in heard.Sends)
        {
            int fromStep = step[from];
            int toStep = step.TryGetValue(to, out int s) ? s : -1;
            int earlier = sendsFrom[fromStep].Count(x => x.ToStep == toStep && toStep >= 0);
            sendsFrom[fromStep].Add(new BackwardSend(fromStep, toStep, InputPosition(from, to, earlier), ToDouble(contribution)));
            if (toStep >= 0 && to.IsLeaf)
            {
                received[toStep] = received[toStep] is { } sum ? sum + contribution : contribution;
            }
        }

        var steps = new List<BackwardStep>(nodes.Count);
        for (int i = 0; i < nodes.Count; i++)
        {
            var (node, arrived) = heard.Turns[i];
            // A leaf's gradient is what this pass sent it; the output alone (a leaf traced by itself) has only the seed.
            Tensor<T>? gradientHere = node.IsLeaf ? received[i] ?? (i == 0 ? gradient : null) : arrived;
            steps.Add(new BackwardStep(i, node.Id, node.Op, node.Name, node.Value.ShapeArray(), node.IsLeaf,
                ToDouble(node.Value), gradientHere is null ? null : ToDouble(gradientHere), sendsFrom[i]));
        }
        return (new BackwardTrace(steps), nodes);
    }

    /// <summary>The (<paramref name="earlier"/> + 1)-th place of <paramref name="to"/> among <paramref name="from"/>'s parents, or −1.</summary>
    private static int InputPosition(Var<T> from, Var<T> to, int earlier)
    {
        for (int j = 0; j < from.Parents.Count; j++)
        {
            if (ReferenceEquals(from.Parents[j], to) && earlier-- == 0)
            {
                return j;
            }
        }
        return -1;
    }

    private static Tensor<double> ToDouble(Tensor<T> x) =>
        Tensor<double>.FromArray(x.ToArray().Select(double.CreateChecked).ToArray(), x.Shape);

    /// <summary>The recorder of a trace running on this thread (null otherwise); for tests.</summary>
    internal static BackwardRecorder<T>? ActiveRecorder => recorder;

    /// <summary>The probe of a <see cref="BackwardTrace.Run"/> running on this thread (null otherwise); for tests.</summary>
    internal static ForwardProbe<T>? ActiveProbe => probe;

    /// <summary>Runs <paramref name="f"/> with <paramref name="watching"/> numbering (and perhaps nudging) every value created.</summary>
    internal static TResult WithProbe<TResult>(ForwardProbe<T> watching, Func<TResult> f)
    {
        var previous = probe;
        probe = watching;
        try
        {
            return f();
        }
        finally
        {
            probe = previous;
        }
    }
}
