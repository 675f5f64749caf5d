using Scratch.Tensors;

namespace Scratch.Autograd;

/// <summary>
/// The numeric half of <see cref="BackwardTrace.Run"/>: re-runs f with one element of one node nudged by ±h and
/// compares (L(+h) − L(−h)) / 2h with the traced gradient of that element.
/// </summary>
internal sealed class NumericPass
{
    private readonly Func<Var<double>> f;
    private readonly Dictionary<Var<double>, int> ordinal = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Var<double>> feedsStaleValues = new(ReferenceEqualityComparer.Instance);
    private readonly int valuesCreated;
    private readonly double h;
    private readonly int maxElements;
    private readonly double tolerance;
    private readonly double tiny;

    /// <param name="f">The function that built the traced graph.</param>
    /// <param name="created">The values f created in the traced run, in creation order.</param>
    /// <param name="nodes">Every node of the traced graph.</param>
    /// <param name="loss">L from the traced run.</param>
    /// <param name="h">The finite-difference step.</param>
    /// <param name="maxElements">The most elements checked per node.</param>
    /// <param name="tolerance">The largest relative error that passes.</param>
    /// <param name="tiny">The smallest denominator of the relative error.</param>
    public NumericPass(Func<Var<double>> f, List<Var<double>> created, IReadOnlyList<Var<double>> nodes, double loss, double h, int maxElements, double tolerance, double tiny)
    {
        this.f = f;
        for (int i = 0; i < created.Count; i++)
        {
            ordinal[created[i]] = i;
        }
        valuesCreated = created.Count;
        // An op's result made before f ran is not recomputed when f runs again, so a leaf it depends on cannot be
        // nudged in place: the nudge would miss every path through that stale value.
        var stack = new Stack<Var<double>>(nodes.Where(n => !n.IsLeaf && !ordinal.ContainsKey(n)));
        while (stack.Count > 0)
        {
            foreach (var parent in stack.Pop().Parents)
            {
                if (feedsStaleValues.Add(parent))
                {
                    stack.Push(parent);
                }
            }
        }
        this.h = h;
        this.maxElements = maxElements;
        this.tolerance = tolerance;
        this.tiny = tiny;

        double again = Evaluate(new ForwardProbe<double>());
        if (BitConverter.DoubleToInt64Bits(again) != BitConverter.DoubleToInt64Bits(loss))
        {
            throw new InvalidOperationException($"backward trace: f returned {again:G17} when run again, but {loss:G17} the first time; the numeric check needs f to compute the same L every time (no fresh randomness, dropout off)");
        }
    }

    /// <summary>Checks the traced gradient of <paramref name="node"/> (the node of <paramref name="step"/>); null if it cannot be nudged.</summary>
    public NumericCheck? Check(Var<double> node, BackwardStep step)
    {
        Func<int, double, double> nudged;
        if (ordinal.TryGetValue(node, out int k))
        {
            nudged = (element, delta) => Evaluate(new ForwardProbe<double>(k, element, delta));
        }
        else if (node.IsLeaf && node.Value.IsContiguous && !feedsStaleValues.Contains(node))
        {
            nudged = (element, delta) => EvaluateWithLeafNudged(node.Value, element, delta);
        }
        else
        {
            return null; // made before f ran, and f cannot be made to recompute it (or everything computed from it)
        }

        int count = node.Value.Count;
        double[] traced = step.Gradient?.ToArray() ?? new double[count]; // nothing arrived: the gradient is zero
        NumericCheck? worst = null;
        int[] elements = Spread(count, maxElements);
        foreach (int i in elements)
        {
            double numeric = (nudged(i, h) - nudged(i, -h)) / (2 * h);
            double a = traced[i];
            double error = Math.Abs(a - numeric) / Math.Max(Math.Max(Math.Abs(a), Math.Abs(numeric)), tiny);
            if (worst is null || error > worst.RelativeError || (double.IsNaN(error) && !double.IsNaN(worst.RelativeError)))
            {
                worst = new NumericCheck(elements.Length, count, Unravel(i, step.Shape), a, numeric, error, tolerance);
            }
        }
        return worst ?? new NumericCheck(0, 0, [], 0, 0, 0, tolerance);
    }

    /// <summary>L with a leaf made before f ran nudged in place (and put back, even if f throws).</summary>
    private double EvaluateWithLeafNudged(Tensor<double> value, int element, double delta)
    {
        double original = value.AsSpan()[element];
        value.AsSpan()[element] = original + delta;
        try
        {
            return Evaluate(new ForwardProbe<double>());
        }
        finally
        {
            value.AsSpan()[element] = original;
        }
    }

    /// <summary>Runs f under <paramref name="probe"/> and returns L, checking that f built a graph of the same size.</summary>
    private double Evaluate(ForwardProbe<double> probe)
    {
        var output = Var<double>.WithProbe(probe, f);
        if (probe.Count != valuesCreated)
        {
            throw new InvalidOperationException($"backward trace: f created {probe.Count} values when run again, but {valuesCreated} the first time; the numeric check needs f to build the same graph every time");
        }
        return output.Value.Item();
    }

    /// <summary>At most <paramref name="max"/> indices of 0 … n−1, evenly spaced, always the first and the last.</summary>
    internal static int[] Spread(int n, int max)
    {
        if (n <= max)
        {
            return [.. Enumerable.Range(0, n)];
        }
        if (max == 1)
        {
            return [0];
        }
        return [.. Enumerable.Range(0, max).Select(j => (int)Math.Round(j * (n - 1) / (double)(max - 1))).Distinct()];
    }

    private static int[] Unravel(int flat, int[] shape)
    {
        var index = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = flat % shape[d];
            flat /= shape[d];
        }
        return index;
    }
}
