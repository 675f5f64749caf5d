using System.Numerics;
using Scratch.Autograd;

namespace Scratch.Nn.Optimizers;

/// <summary>
/// Adam (Kingma &amp; Ba, 2015), as <c>torch.optim.Adam</c>: weight decay here is the classic L2 term added to
/// the gradient (see <see cref="AdamW{T}"/> for the decoupled form). With step t (from 1):
/// <code>
/// g ← g + λ·θ
/// m ← β₁·m + (1 − β₁)·g                 (exp_avg: running mean of the gradient)
/// v ← β₂·v + (1 − β₂)·g²                (exp_avg_sq: running mean of its square)
/// θ ← θ − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
/// </code>
/// The two bias corrections undo the pull towards 0 of m and v, which start at 0; ε sits outside the
/// square root, as in PyTorch.
/// </summary>
public sealed class Adam<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly AdamRule<T> rule;

    /// <summary>Adam over one group of parameters, all with L2 weight decay <paramref name="weightDecay"/>.</summary>
    public Adam(IEnumerable<Var<T>> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0)
        : this([new ParamGroup<T>([.. parameters], weightDecay)], lr, beta1, beta2, eps)
    {
    }

    /// <summary>Adam over parameter groups, each with its own L2 weight decay.</summary>
    public Adam(IReadOnlyList<ParamGroup<T>> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
        : base("Adam", groups, lr)
    {
        rule = new AdamRule<T>(this, beta1, beta2, eps);
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<string> BufferNames => ["exp_avg", "exp_avg_sq"];

    /// <inheritdoc/>
    protected override void Update(int index, Span<T> theta, ReadOnlySpan<T> g, long t, double lr, double weightDecay) =>
        rule.Apply(theta, g, Buffer(index, "exp_avg"), Buffer(index, "exp_avg_sq"), t, lr, l2: weightDecay);
}
