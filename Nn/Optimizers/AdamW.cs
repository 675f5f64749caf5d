using System.Numerics;
using Scratch.Autograd;

namespace Scratch.Nn.Optimizers;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter, 2019), as <c>torch.optim.AdamW</c>: Adam with weight decay taken out of the
/// gradient and applied to the weights directly, so it is not rescaled by the adaptive denominator:
/// <code>
/// θ ← θ − η·λ·θ                         (decoupled weight decay, first)
/// m ← β₁·m + (1 − β₁)·g
/// v ← β₂·v + (1 − β₂)·g²
/// θ ← θ − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
/// </code>
/// PyTorch's default λ is 0.01; nanoGPT uses 0.1 on the matrices and 0 on the vectors
/// (<see cref="ParamGroups.ForWeightDecay{T}"/>).
/// </summary>
public sealed class AdamW<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly AdamRule<T> rule;

    /// <summary>AdamW over one group of parameters, all with decoupled weight decay <paramref name="weightDecay"/>.</summary>
    public AdamW(IEnumerable<Var<T>> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0.01)
        : this([new ParamGroup<T>([.. parameters], weightDecay)], lr, beta1, beta2, eps)
    {
    }

    /// <summary>AdamW over parameter groups, each with its own decoupled weight decay.</summary>
    public AdamW(IReadOnlyList<ParamGroup<T>> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
        : base("AdamW", groups, lr)
    {
        rule = new AdamRule<T>(this, beta1, beta2, eps);
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<string> BufferNames => ["exp_avg", "exp_avg_sq"];

    /// <inheritdoc/>
    protected override void Update(int index, Span<T> theta, ReadOnlySpan<T> g, long t, double lr, double weightDecay)
    {
        T shrink = T.CreateChecked(1 - lr * weightDecay);
        if (weightDecay != 0)
        {
            int j = 0;
            // Stryker disable once Boolean : θ·(1 − η·λ) is one exactly rounded product in a lane or alone: skipping the SIMD loop changes no number
            if (Vector.IsHardwareAccelerated)
            {
                var vShrink = new Vector<T>(shrink);
                // Stryker disable once Equality : where the scalar tail starts changes no number (see above)
                for (; j <= theta.Length - Vector<T>.Count; j += Vector<T>.Count)
                {
                    (new Vector<T>(theta[j..]) * vShrink).CopyTo(theta[j..]); // θ ← θ·(1 − η·λ), a vector at a time
                }
            }
            for (; j < theta.Length; j++)
            {
                theta[j] *= shrink;
            }
        }
        rule.Apply(theta, g, Buffer(index, "exp_avg"), Buffer(index, "exp_avg_sq"), t, lr, l2: 0);
    }
}
