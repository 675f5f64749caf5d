using System.Numerics;
using Scratch.Autograd;

namespace Scratch.Nn.Optimizers;

/// <summary>
/// AdaGrad (Duchi, Hazan &amp; Singer, 2011), as <c>torch.optim.Adagrad</c>: each coordinate's step shrinks with
/// the sum of its squared gradients so far.
/// <code>
/// g ← g + λ·θ
/// η_t = η / (1 + (t − 1)·lr_decay)
/// s ← s + g²                            (sum, starting at initial_accumulator_value)
/// θ ← θ − η_t · g / (√s + ε)
/// </code>
/// </summary>
public sealed class AdaGrad<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly double lrDecay, initialAccumulator, eps;

    /// <summary>AdaGrad over one group of parameters, all with L2 weight decay <paramref name="weightDecay"/>.</summary>
    public AdaGrad(IEnumerable<Var<T>> parameters, double lr = 1e-2, double lrDecay = 0, double weightDecay = 0, double initialAccumulatorValue = 0, double eps = 1e-10)
        : this([new ParamGroup<T>([.. parameters], weightDecay)], lr, lrDecay, initialAccumulatorValue, eps)
    {
    }

    /// <summary>AdaGrad over parameter groups, each with its own L2 weight decay.</summary>
    public AdaGrad(IReadOnlyList<ParamGroup<T>> groups, double lr = 1e-2, double lrDecay = 0, double initialAccumulatorValue = 0, double eps = 1e-10)
        : base("AdaGrad", groups, lr)
    {
        Require(lrDecay >= 0, "lr decay", lrDecay, "must be ≥ 0");
        Require(initialAccumulatorValue >= 0, "initial accumulator value", initialAccumulatorValue, "must be ≥ 0");
        Require(eps >= 0, "eps", eps, "must be ≥ 0");
        (this.lrDecay, initialAccumulator, this.eps) = (lrDecay, initialAccumulatorValue, eps);
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<string> BufferNames => ["sum"];

    /// <inheritdoc/>
    protected override void Update(int index, Span<T> theta, ReadOnlySpan<T> g, long t, double lr, double weightDecay)
    {
        Span<T> s = Buffer(index, "sum", initialAccumulator);
        T etaT = T.CreateChecked(lr / (1 + (t - 1) * lrDecay));
        T lambda = T.CreateChecked(weightDecay), epsilon = T.CreateChecked(eps);
        for (int j = 0; j < theta.Length; j++)
        {
            T gj = g[j] + lambda * theta[j];
            s[j] += gj * gj;
            theta[j] -= etaT * gj / (T.Sqrt(s[j]) + epsilon);
        }
    }
}
