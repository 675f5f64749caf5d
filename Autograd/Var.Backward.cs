using Scratch.Tensors;

namespace Scratch.Autograd;

// The engine: order the graph, then run every backward function once, from the output to the leaves.
public sealed partial class Var<T>
{
    /// <summary>Who holds which gradient during the backward pass running on this thread (null otherwise).</summary>
    [ThreadStatic]
    private static GradHolders<T>? pass;

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
    /// 1. Order the nodes topologically (every node after all the nodes it was computed from), with an
    /// explicit stack, so a graph 100,000 ops deep cannot overflow the call stack.
    /// 2. Walk that order backwards, from this value to the leaves: when a node's turn comes, every node
    /// computed from it has already run, so every use of it has sent its contribution, its gradient is
    /// complete, and its backward function runs exactly once.
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
        var outer = pass;
        pass = new GradHolders<T>();
        try
        {
            foreach (var node in order)
            {
                if (!node.IsLeaf)
                {
                    node.Grad = null; // a computed node's gradient is rebuilt by every pass
                }
                else if (node.Grad is not null)
                {
                    pass.Adopt(node.Grad); // a leaf's gradient from earlier passes, added to
                }
            }
            AccumulateGrad(gradient.Clone()); // the caller keeps its tensor
            for (int i = order.Count - 1; i >= 0; i--)
            {
                order[i].RunBackward();
            }
            foreach (var node in order)
            {
                if (node.IsLeaf && node.Grad is not null)
                {
                    node.Grad = pass.OwnCopy(node.Grad); // optimisers and clipping write leaves' gradients in place
                }
            }
        }
        finally
        {
            pass = outer;
        }
    }

    /// <summary>This node's turn: its backward function sends ∂L/∂(this) on to its parents.</summary>
    private void RunBackward()
    {
        recorder?.Turn(this); // only while tracing (TraceBackward): the gradients sent next come from this node
        if (backward is not null && Grad is not null)
        {
            backward(Grad);
            if (GradMode.IsAnomalyDetectionEnabled)
            {
                Anomaly.CheckBackward(this);
            }
        }
    }

    /// <summary>
    /// Every node this one depends on, each after all the nodes it was computed from (post-order depth-first
    /// search with an explicit stack instead of recursion). Backward's walk follows only inputs that need a
    /// gradient; graph export (<paramref name="allInputs"/>) also shows data and constants.
    /// </summary>
    internal List<Var<T>> TopologicalOrder(bool allInputs = false)
    {
        var order = new List<Var<T>>();
        // Stryker disable once Initializer : the output cannot be reached again from its own inputs (the graph has no cycles)
        var visited = new HashSet<Var<T>>(ReferenceEqualityComparer.Instance) { this };
        var stack = new Stack<(Var<T> Node, int NextParent)>();
        stack.Push((this, 0));
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            if (next < node.Parents.Count)
            {
                stack.Push((node, next + 1)); // come back for the remaining parents
                var parent = node.Parents[next];
                if ((allInputs || parent.RequiresGrad) && visited.Add(parent))
                {
                    stack.Push((parent, 0));
                }
            }
            else
            {
                order.Add(node); // all its parents are already in the order
            }
        }
        return order;
    }
}
