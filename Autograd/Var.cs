using System.Numerics;
using Scratch.Tensors;

namespace Scratch.Autograd;

/// <summary>
/// A differentiable value: a node of the computation graph. It holds
/// <list type="bullet">
/// <item><see cref="Value"/>: the tensor computed in the forward pass;</item>
/// <item><see cref="Grad"/>: ∂L/∂(this value), filled in by <see cref="Backward()"/>;</item>
/// <item><see cref="Parents"/>: the values it was computed from, and a backward function that, given
/// ∂L/∂(this), adds each parent's share ∂L/∂parent = ∂L/∂this · ∂this/∂parent to the parent's gradient.</item>
/// </list>
/// Leaves are made by the user (parameters, inputs); every op makes a computed value. The ops are the
/// other parts of this class, one file each under Ops/.
/// </summary>
/// <typeparam name="T">float for training, double for gradient checks.</typeparam>
public sealed partial class Var<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static long created;

    /// <summary>Set while <see cref="TraceBackward()"/> runs on this thread: hears every gradient sent. Null otherwise.</summary>
    [ThreadStatic]
    private static BackwardRecorder<T>? recorder;

    /// <summary>Set while <see cref="BackwardTrace.Run"/> runs a function: numbers every value created, and may nudge one.</summary>
    [ThreadStatic]
    private static ForwardProbe<T>? probe;

    private readonly Action<Tensor<T>>? backward;

    /// <summary>True when <see cref="Grad"/> is this node's own tensor; false while it is borrowed (see <see cref="AccumulateGrad"/>).</summary>
    private bool ownsGrad;

    /// <summary>A leaf: a value the graph starts from. Parameters set <paramref name="requiresGrad"/>.</summary>
    public Var(Tensor<T> value, bool requiresGrad = false, string? name = null)
    {
        Value = value;
        RequiresGrad = requiresGrad;
        Name = name;
        Op = "leaf";
        Parents = [];
        Id = Interlocked.Increment(ref created);
        if (probe is not null)
        {
            Value = probe.Observe(this, value);
        }
    }

    private Var(Tensor<T> value, string op, Var<T>[] parents, Action<Tensor<T>> backward)
    {
        Value = value;
        RequiresGrad = true;
        Op = op;
        Parents = parents;
        this.backward = backward;
        Id = Interlocked.Increment(ref created);
        if (probe is not null)
        {
            Value = probe.Observe(this, value);
        }
    }

    /// <summary>The value computed in the forward pass.</summary>
    public Tensor<T> Value { get; }

    /// <summary>∂L/∂(this value) after <see cref="Backward()"/>; null before any gradient arrived.</summary>
    public Tensor<T>? Grad { get; private set; }

    /// <summary>True for leaves that want a gradient and for every value computed from one.</summary>
    public bool RequiresGrad { get; }

    /// <summary>A name for display (parameters are named after their state-dict key).</summary>
    public string? Name { get; set; }

    /// <summary>The op that produced this value ("leaf" for leaves).</summary>
    public string Op { get; }

    /// <summary>The values this one was computed from (empty for leaves and in no-grad mode).</summary>
    public IReadOnlyList<Var<T>> Parents { get; }

    /// <summary>True for values made by the user rather than by an op.</summary>
    public bool IsLeaf => backward is null;

    /// <summary>A number unique to this node, in order of creation (used in graph export).</summary>
    public long Id { get; }

    /// <summary>The shape of <see cref="Value"/>.</summary>
    public ReadOnlySpan<int> Shape => Value.Shape;

    /// <summary>
    /// Records the result of an op: a new node with its parents and backward function, or, when recording is
    /// off (<see cref="GradMode.NoGrad"/>) or no parent needs a gradient, a plain value with no history.
    /// In anomaly mode the output is checked for NaN and ±Inf first.
    /// </summary>
    /// <param name="op">The op's name, for display and errors.</param>
    /// <param name="value">The forward result.</param>
    /// <param name="parents">The inputs the result depends on.</param>
    /// <param name="backward">Given ∂L/∂result, accumulates each parent's gradient.</param>
    internal static Var<T> Record(string op, Tensor<T> value, Var<T>[] parents, Action<Tensor<T>> backward)
    {
        if (GradMode.IsAnomalyDetectionEnabled)
        {
            Anomaly.CheckForward(op, value, parents);
        }
        if (!GradMode.IsEnabled || !parents.Any(p => p.RequiresGrad))
        {
            return new Var<T>(value);
        }
        return new Var<T>(value, op, parents, backward);
    }

    /// <summary>
    /// Adds <paramref name="gradient"/> to <see cref="Grad"/> (+=, because a value used twice receives one
    /// contribution from each use). Values that need no gradient ignore it.
    /// <para>
    /// The first contribution is kept as it is, not copied, although the same tensor (or a view of it) may
    /// also be another node's gradient: y = a + b hands ∂L/∂y to both a and b, and a reshape hands on a view.
    /// Such a borrowed gradient is never written in place; a second contribution makes a new tensor
    /// (copy on write), and <see cref="Backward(Tensor{T})"/> gives every leaf its own copy at the end,
    /// because optimisers and gradient clipping update leaves' gradients in place.
    /// </para>
    /// <para>While <see cref="TraceBackward()"/> runs, every contribution is also reported to its recorder.</para>
    /// </summary>
    internal void AccumulateGrad(Tensor<T> gradient)
    {
        if (!RequiresGrad)
        {
            return;
        }
        CheckGradShape(gradient);
        recorder?.Send(this, gradient);
        if (Grad is null)
        {
            Grad = gradient;
            ownsGrad = false;
        }
        else if (ownsGrad)
        {
            Grad.AddInPlace(gradient);
        }
        else
        {
            Grad += gradient;
            ownsGrad = true;
        }
    }

    /// <summary>
    /// <see cref="AccumulateGrad"/> for a gradient the caller has just made and hands over: nobody else holds
    /// it, so this node may write it in place, and a borrowed gradient already here is added into it.
    /// Never pass a tensor that is also given to another parent, or a view of one. (A non-contiguous
    /// tensor cannot be written in place, so it is treated as borrowed.)
    /// </summary>
    internal void AccumulateOwnedGrad(Tensor<T> fresh)
    {
        if (!fresh.IsContiguous)
        {
            AccumulateGrad(fresh);
            return;
        }
        if (!RequiresGrad)
        {
            return;
        }
        CheckGradShape(fresh);
        recorder?.Send(this, fresh);
        if (Grad is null || !ownsGrad)
        {
            if (Grad is not null)
            {
                fresh.AddInPlace(Grad);
            }
            Grad = fresh;
            ownsGrad = true;
        }
        else
        {
            Grad.AddInPlace(fresh);
        }
    }

    /// <summary>
    /// Makes <see cref="Grad"/> this node's own tensor (a copy if it is borrowed), so that it may be written
    /// in place: by a slice's backward adding into its block, by optimisers, by gradient clipping.
    /// </summary>
    internal Tensor<T>? OwnGrad()
    {
        if (Grad is not null && !ownsGrad)
        {
            Grad = Grad.Clone();
            ownsGrad = true;
        }
        return Grad;
    }

    private void CheckGradShape(Tensor<T> gradient)
    {
        if (!Shapes.Equal(gradient.Shape, Value.Shape))
        {
            throw new InvalidOperationException($"backward of {Op}: gradient of shape {Shapes.Format(gradient.Shape)} does not match its value's shape {Shapes.Format(Value.Shape)}");
        }
    }

    /// <summary>Forgets the gradient (PyTorch's <c>grad = None</c>); call between optimisation steps.</summary>
    public void ZeroGrad() => Grad = null;

    /// <summary>The same value cut off from the graph: a leaf that needs no gradient (PyTorch's <c>detach()</c>).</summary>
    public Var<T> Detach() => new(Value, requiresGrad: false, Name);

    /// <summary>"name op shape": how the node prints in errors and graphs.</summary>
    public override string ToString() =>
        $"{(Name is null ? "" : Name + " ")}{Op} {Shapes.Format(Value.Shape)}";
}
