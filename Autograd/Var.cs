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
/// other parts of this class, one file each under Ops/; the engine that runs the backward functions is
/// Var.Backward.cs.
/// </summary>
/// <typeparam name="T">float for training, double for gradient checks.</typeparam>
public sealed partial class Var<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static long created;

    /// <summary>Given ∂L/∂(this), sends each parent its share through <see cref="AccumulateGrad"/>; null for a leaf.</summary>
    private readonly Action<Tensor<T>>? backward;

    /// <summary>A leaf: a value the graph starts from. Parameters set <paramref name="requiresGrad"/>.</summary>
    public Var(Tensor<T> value, bool requiresGrad = false, string? name = null)
        : this(value, "leaf", [], null)
    {
        RequiresGrad = requiresGrad;
        Name = name;
    }

    private Var(Tensor<T> value, string op, Var<T>[] parents, Action<Tensor<T>>? backward)
    {
        Id = Interlocked.Increment(ref created);
        Op = op;
        Parents = parents;
        this.backward = backward;
        RequiresGrad = backward is not null;
        Value = probe is null ? value : probe.Observe(this, value); // only while BackwardTrace.Run checks numerically
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
    /// ∂L/∂(this) += <paramref name="gradient"/>: how a backward function hands this value its share. A value
    /// used twice receives one contribution from each use, and the chain rule says ∂L/∂value is their sum.
    /// Values that need no gradient ignore it.
    /// <para>
    /// With <paramref name="block"/> = (dim, start) the contribution covers only that block along dim (a
    /// slice's input) and is zero elsewhere: it is added into the block, with no tensor of zeros made for it.
    /// </para>
    /// <para>
    /// The tensor is given away: the op does not read or write it afterwards. Whether the sum is written into
    /// a tensor already here or made anew is the engine's business (<see cref="GradHolders{T}"/>): it writes in
    /// place only into a tensor no other node holds.
    /// </para>
    /// </summary>
    internal void AccumulateGrad(Tensor<T> gradient, (int Dim, int Start)? block = null)
    {
        if (!RequiresGrad)
        {
            return;
        }
        CheckGradShape(gradient, block);
        var holders = pass ?? throw new InvalidOperationException($"accumulate_grad: {this} was sent a gradient outside a backward pass");
        if (block is var (dim, start))
        {
            recorder?.SendBlock(this, dim, start, gradient); // only while tracing (TraceBackward)
            Grad = holders.AddBlock(Grad, gradient, dim, start, Value);
            return;
        }
        recorder?.Send(this, gradient);
        Grad = holders.Add(Grad, gradient); // Grad + gradient
    }

    private void CheckGradShape(Tensor<T> gradient, (int Dim, int Start)? block)
    {
        bool fits = block is var (dim, start)
            ? gradient.Rank == Value.Rank && start + gradient.Size(dim) <= Value.Size(dim)
                && Enumerable.Range(0, Value.Rank).All(d => d == dim || gradient.Shape[d] == Value.Shape[d])
            : Shapes.Equal(gradient.Shape, Value.Shape);
        if (!fits)
        {
            throw new InvalidOperationException($"backward: {this} was sent a gradient of shape {Shapes.Format(gradient.Shape)}{(block is var (blockDim, blockStart) ? $" for its block at {blockStart} along dimension {blockDim}" : "")}, which does not fit its value's shape {Shapes.Format(Value.Shape)}");
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
