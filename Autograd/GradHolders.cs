using System.Numerics;
using Scratch.Tensors;

namespace Scratch.Autograd;

/// <summary>
/// The engine's copy-on-write rule for gradients, the one place that decides whether ∂L/∂v += g may write into
/// a tensor or must make a new one. During one backward pass it counts, for every storage array, how many nodes
/// hold a gradient in it, and writes in place only into a tensor that exactly one node holds (PyTorch adds in
/// place when a gradient's use count is 1; this is the same rule, counted per storage array).
/// <para>
/// Why it matters: a backward function often hands on the tensor it received, or a view of it. y = a + b sends
/// ∂L/∂y to both a and b, a reshape sends a view of it, so y, a and b hold one tensor, and adding a second
/// contribution into it for a would change b's and y's gradients too. A tensor a backward function has just
/// computed is held by nobody until it is handed to its first node, so the ops need not say which is which.
/// </para>
/// <para>
/// The rule for ops that follows from this: a tensor handed to <c>AccumulateGrad</c> is given away; the op does
/// not read or write it afterwards. A user's <c>Custom</c> op may return tensors it keeps, so those are copied.
/// </para>
/// </summary>
internal sealed class GradHolders<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Dictionary<T[], int> holders = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// Returns held + gradient (the new ∂L/∂v of a node whose gradient is <paramref name="held"/>, null before the
    /// first contribution), writing in place when that is invisible to every other node.
    /// </summary>
    public Tensor<T> Add(Tensor<T>? held, Tensor<T> gradient)
    {
        if (held is null)
        {
            return Hold(gradient); // the first contribution is kept as it is, not copied
        }
        if (OnlyHolder(held))
        {
            held.AddInPlace(gradient);
            return held;
        }
        if (Count(gradient) == 0 && gradient.IsContiguous)
        {
            gradient.AddInPlace(held); // a fresh tensor nobody holds: the sum goes into it
            // Stryker disable once Statement : a count that stays too high only makes a later add copy where it could have written in place; no value changes
            Release(held);
            return Hold(gradient);
        }
        // Stryker disable once Statement : a count that stays too high only makes a later add copy where it could have written in place; no value changes
        Release(held);
        return Hold(held + gradient); // copy on write
    }

    /// <summary>
    /// held + (a tensor of <paramref name="like"/>'s shape that is <paramref name="block"/> at [start, start + length)
    /// along <paramref name="dim"/> and zero elsewhere): a slice's backward, added into its block only.
    /// </summary>
    public Tensor<T> AddBlock(Tensor<T>? held, Tensor<T> block, int dim, int start, Tensor<T> like)
    {
        var sum = held is null ? Hold(like.ZerosLike()) : OwnCopy(held); // a tensor this node alone holds
        sum.Narrow(dim, start, block.Size(dim)).AddInPlace(block);
        return sum;
    }

    /// <summary>
    /// <paramref name="held"/> if this node alone holds it and it can be written in place, else a copy the node
    /// alone holds: what a leaf needs at the end of the pass (optimisers and clipping write it in place).
    /// </summary>
    public Tensor<T> OwnCopy(Tensor<T> held)
    {
        if (OnlyHolder(held))
        {
            return held;
        }
        // Stryker disable once Statement : a count that stays too high only makes a later add copy where it could have written in place; no value changes
        Release(held);
        return Hold(held.Clone());
    }

    /// <summary>Counts a gradient that was there before the pass began (a leaf's, from an earlier pass).</summary>
    public void Adopt(Tensor<T> held) => Hold(held);

    private bool OnlyHolder(Tensor<T> held) => Count(held) == 1 && held.IsContiguous;

    private int Count(Tensor<T> t) => holders.GetValueOrDefault(t.Storage);

    private Tensor<T> Hold(Tensor<T> t)
    {
        holders[t.Storage] = Count(t) + 1;
        return t;
    }

    // Stryker disable once Arithmetic : counting a release up instead of down only errs high (as above): copies, never a shared write
    private void Release(Tensor<T> t) => holders[t.Storage] = Count(t) - 1;
}
