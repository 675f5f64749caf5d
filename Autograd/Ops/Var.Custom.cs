using Scratch.Tensors;

namespace Scratch.Autograd;

// An op written by the user, the way PyTorch's torch.autograd.Function is: a forward value and a backward rule.
// For learners deriving a rule by hand, and for anyone testing a rule before it becomes a real op: trace it with
// BackwardTrace.Run(..., checkNumerically: true) or check it with GradCheck.Run.
public sealed partial class Var<T>
{
    /// <summary>
    /// A value computed by the caller, recorded as an op with the caller's backward rule. The caller computes
    /// <paramref name="value"/> from the parents' values; <paramref name="backward"/>, given ∂L/∂y (of
    /// <paramref name="value"/>'s shape), returns one gradient per parent, ∂L/∂parentᵢ = ∂L/∂y · ∂y/∂parentᵢ, of
    /// that parent's shape (null for "nothing to send"). The engine adds each one to its parent's gradient
    /// (+=, like every op), and sends nothing to a parent that needs no gradient.
    /// <code>
    /// // y = x³      ∂L/∂x = ∂L/∂y · 3x²
    /// var y = Var&lt;double&gt;.Custom("cube", x.Value * x.Value * x.Value, [x],
    ///     dy =&gt; [dy * x.Value * x.Value * 3.0]);
    /// </code>
    /// The backward function may return the same tensor for several parents, or a tensor it keeps: the engine
    /// adds a copy of each, never writing into what it returns. It must not write into <paramref name="value"/>
    /// or into ∂L/∂y.
    /// </summary>
    /// <param name="op">The op's name, shown in traces, graphs and errors.</param>
    /// <param name="value">The forward result y.</param>
    /// <param name="parents">The values y was computed from, in the order the backward function answers for them.</param>
    /// <param name="backward">Given ∂L/∂y, the gradient for each parent (an array as long as <paramref name="parents"/>).</param>
    /// <exception cref="InvalidOperationException">
    /// During the backward pass, when <paramref name="backward"/> returns the wrong number of gradients or one of the wrong shape.
    /// </exception>
    public static Var<T> Custom(string op, Tensor<T> value, IReadOnlyList<Var<T>> parents, Func<Tensor<T>, Tensor<T>?[]> backward)
    {
        ArgumentException.ThrowIfNullOrEmpty(op);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(parents);
        ArgumentNullException.ThrowIfNull(backward);
        Var<T>[] inputs = [.. parents];
        return Record(op, value, inputs, dy =>
        {
            Tensor<T>?[] grads = backward(dy);
            if (grads is null || grads.Length != inputs.Length)
            {
                throw new InvalidOperationException($"backward of {op}: returned {grads?.Length ?? 0} gradients for its {inputs.Length} inputs; return one per input (null for none)");
            }
            for (int i = 0; i < inputs.Length; i++)
            {
                if (grads[i] is null || !inputs[i].RequiresGrad)
                {
                    continue;
                }
                Tensor<T> grad = grads[i]!; // not null: checked above
                if (!Shapes.Equal(grad.Shape, inputs[i].Shape))
                {
                    throw new InvalidOperationException($"backward of {op}: the gradient for input {i} ({inputs[i]}) has shape {Shapes.Format(grad.Shape)}; it must have the input's shape {Shapes.Format(inputs[i].Shape)}");
                }
                inputs[i].AccumulateGrad(grad.Clone()); // a copy: the caller may keep what it returned, or return it twice
            }
        });
    }
}
