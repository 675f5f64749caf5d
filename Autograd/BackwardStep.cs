using Scratch.Tensors;

namespace Scratch.Autograd;

/// <summary>
/// One node's turn in a traced backward pass (<see cref="BackwardTrace"/>): the gradient ∂L/∂node that arrived,
/// and what its backward function sent to each input. Tensors are copies, converted to double, taken at the
/// moment they were sent, so later steps cannot change them.
/// </summary>
/// <param name="Index">The step number: 0 is the output; the engine visits nodes in reverse topological order,
/// so every node comes after all the nodes that used it.</param>
/// <param name="NodeId">The node's <see cref="Var{T}.Id"/>.</param>
/// <param name="Op">The op that made the node ("leaf" for leaves).</param>
/// <param name="Name">The node's name, if it has one.</param>
/// <param name="Shape">The node's shape.</param>
/// <param name="IsLeaf">True for leaves: they have no backward function, so they send nothing.</param>
/// <param name="Value">The node's value from the forward pass.</param>
/// <param name="Gradient">∂L/∂node from this pass: for a computed node, the tensor its backward function received
/// (the sum of the contributions sent to it); for a leaf, the sum of the contributions of this pass (its
/// <see cref="Var{T}.Grad"/> may also hold earlier passes'). Null when nothing arrived.</param>
/// <param name="Sends">What this node's backward function sent, in the order it sent it.</param>
public sealed record BackwardStep(int Index, long NodeId, string Op, string? Name, int[] Shape, bool IsLeaf,
    Tensor<double> Value, Tensor<double>? Gradient, IReadOnlyList<BackwardSend> Sends)
{
    /// <summary>The central-difference check of <see cref="Gradient"/>, when the trace was made with one (see <see cref="BackwardTrace.Run"/>).</summary>
    public NumericCheck? Check { get; init; }

    /// <summary>The name if there is one, else the op: how the report refers to this node.</summary>
    public string Label => Name ?? Op;

    /// <summary>"label (op [shape])", or "op [shape]" for a node without a name.</summary>
    public string Describe() => Name is null ? $"{Op} {Shapes.Format(Shape)}" : $"{Name} ({Op} {Shapes.Format(Shape)})";
}
