using System.Numerics;
using Scratch.Tensors;

namespace Scratch.Autograd;

/// <summary>
/// What <see cref="Var{T}.TraceBackward()"/> hears during one backward pass: whose turn it is, the gradient that
/// node received, and every contribution its backward function sends to a parent. The engine tells it whose
/// turn it is (<see cref="Turn"/>); <c>AccumulateGrad</c> reports the sends.
/// Gradients are cloned, because the engine may later add into the very tensors it was handed.
/// </summary>
internal sealed class BackwardRecorder<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Var<T>? current;

    /// <summary>Every node in the order the engine visited it, with ∂L/∂node as its backward function received it.</summary>
    public List<(Var<T> Node, Tensor<T>? Received)> Turns { get; } = [];

    /// <summary>Every contribution: from the node whose backward ran, to the node it was added to.</summary>
    public List<(Var<T> From, Var<T> To, Tensor<T> Contribution)> Sends { get; } = [];

    /// <summary>The engine is about to run <paramref name="node"/>'s backward function (or pass a leaf).</summary>
    public void Turn(Var<T> node)
    {
        current = node;
        Turns.Add((node, node.IsLeaf ? null : node.Grad?.Clone()));
    }

    /// <summary>A contribution ∂L/∂to from the current node. Before the first turn it is the seed ∂L/∂L, not a send.</summary>
    public void Send(Var<T> to, Tensor<T> contribution)
    {
        if (current is not null)
        {
            Sends.Add((current, to, contribution.Clone()));
        }
    }

    /// <summary>A contribution written straight into a block of <paramref name="to"/>'s gradient (a slice's backward), as a full-shape tensor that is zero outside the block.</summary>
    public void SendBlock(Var<T> to, int dim, int start, Tensor<T> block)
    {
        var full = to.Value.ZerosLike();
        full.Narrow(dim, start, block.Size(dim)).AddInPlace(block);
        Send(to, full);
    }
}
