using Scratch.Tensors;

namespace Scratch.Autograd;

// The engine: order the graph, then run every backward function once, from the output to the leaves.
public sealed partial class Var<T>
{
    /// <summary>
    /// Backpropagation from a scalar: seeds ∂L/∂L = 1 and sends gradients to every value this one was
    /// computed from. See <see cref="Backward(Tensor{T})"/>.
    /// </summary>
    public void Backward()
    {
        if (Value.Count != 1)
        {
            throw new InvalidOperationException($"backward: the output has shape {Shapes.Format(Value.Shape)}; without an explicit gradient it must be a single number (a loss)");
        }
        Backward(Tensor<T>.Ones(Value.Shape));
    }

    /// <summary>
    /// Backpropagation with an explicit upstream gradient ∂L/∂(this), of this value's shape.
    /// <para>
    /// 1. Order the nodes topologically (every node after all the nodes it was computed from, so before
    /// every node it feeds), with an explicit stack, so a graph 100,000 ops deep cannot overflow the call stack.
    /// 2. Walk that order backwards: when a node's turn comes, every use of it has already sent its
    /// contribution, so its gradient is complete and its backward function runs exactly once.
    /// </para>
    /// <para>
    /// Calling Backward again on the same graph is allowed and behaves like PyTorch with
    /// <c>retain_graph=True</c>: the gradients of computed (non-leaf) nodes are recomputed from scratch,
    /// and the leaves receive the gradient a second time, added to what they hold. Call
    /// <see cref="ZeroGrad"/> on the leaves between steps to start from zero.
    /// </para>
    /// </summary>
    public void Backward(Tensor<T> gradient)
    {
        if (!RequiresGrad)
        {
            throw new InvalidOperationException($"backward: {this} does not require a gradient (no leaf it depends on has requiresGrad, or it was computed in no-grad mode)");
        }
        if (!Shapes.Equal(gradient.Shape, Value.Shape))
        {
            throw new ArgumentException($"backward: gradient of shape {Shapes.Format(gradient.Shape)} does not match the output's shape {Shapes.Format(Value.Shape)}");
        }
        List<Var<T>> order = TopologicalOrder();
        foreach (var node in order)
        {
            if (!node.IsLeaf)
            {
                node.Grad = null; // a computed node's gradient is rebuilt by every pass
            }
        }
        AccumulateOwnedGrad(gradient.Clone()); // the caller keeps its tensor
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var node = order[i];
            recorder?.Turn(node); // only while tracing (TraceBackward): the gradients sent next come from this node
            if (node.backward is not null && node.Grad is not null)
            {
                node.backward(node.Grad);
                if (GradMode.IsAnomalyDetectionEnabled)
                {
                    Anomaly.CheckBackward(node);
                }
            }
        }
        foreach (var node in order)
        {
            if (node.IsLeaf)
            {
                node.OwnGrad(); // optimisers and clipping write leaves' gradients in place
            }
        }
    }

    /// <summary>
    /// Every node that needs a gradient and that this one depends on, each after its parents (post-order
    /// depth-first search with an explicit stack instead of recursion).
    /// </summary>
    internal List<Var<T>> TopologicalOrder()
    {
        var order = new List<Var<T>>();
        var visited = new HashSet<Var<T>>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Var<T> Node, int NextParent)>();
        stack.Push((this, 0));
        visited.Add(this);
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            if (next < node.Parents.Count)
            {
                stack.Push((node, next + 1)); // come back for the remaining parents
                var parent = node.Parents[next];
                if (parent.RequiresGrad && visited.Add(parent))
                {
                    stack.Push((parent, 0));
                }
            }
            else
            {
                order.Add(node); // all parents are already in the order
            }
        }
        return order;
    }
}
