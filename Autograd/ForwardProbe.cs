using System.Numerics;
using Scratch.Tensors;

namespace Scratch.Autograd;

/// <summary>
/// Watches a function build its graph, for <see cref="BackwardTrace.Run"/>'s numeric check. Every value created
/// while the probe is set (a leaf, or an op's result) gets the next ordinal 0, 1, 2, …; a deterministic function
/// creates the same values in the same order every time it runs, so an ordinal names "the same node" across runs.
/// <para>
/// To measure ∂L/∂v for an intermediate value v (ordinal k), the function is run again with a probe that adds δ
/// to element i of value k as it is created: every op after it computes from the nudged value, and
/// (L(+h) − L(−h)) / 2h estimates ∂L/∂vᵢ.
/// </para>
/// </summary>
internal sealed class ForwardProbe<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<Var<T>>? created;
    private readonly int target;
    private readonly int element;
    private readonly T delta;

    /// <summary>A probe that only counts (and lists the values in <paramref name="created"/> if given).</summary>
    public ForwardProbe(List<Var<T>>? created = null)
    {
        this.created = created;
        target = -1;
    }

    /// <summary>A probe that adds <paramref name="delta"/> to element <paramref name="element"/> (row-major) of the value with ordinal <paramref name="target"/>.</summary>
    public ForwardProbe(int target, int element, T delta)
    {
        this.target = target;
        this.element = element;
        this.delta = delta;
    }

    /// <summary>How many values were created while this probe was set.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// Called by every Var constructor: numbers the node and returns the value it should hold: its own, or, for
    /// the target, a nudged copy (a copy, because the value may share storage with a parent's, as a reshape does).
    /// </summary>
    public Tensor<T> Observe(Var<T> node, Tensor<T> value)
    {
        int ordinal = Count++;
        created?.Add(node);
        if (ordinal != target)
        {
            return value;
        }
        var nudged = value.Clone();
        nudged.AsSpan()[element] += delta;
        return nudged;
    }
}
