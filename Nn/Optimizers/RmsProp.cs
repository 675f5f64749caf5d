using System.Numerics;
using Scratch.Autograd;

namespace Scratch.Nn.Optimizers;

/// <summary>
/// RMSprop (Hinton, 2012), as <c>torch.optim.RMSprop</c>: divide the gradient by a running root mean square.
/// <code>
/// g ← g + λ·θ
/// v ← α·v + (1 − α)·g²                   (square_avg)
/// d = √v + ε,  or, centered: ḡ ← α·ḡ + (1 − α)·g;  d = √(v − ḡ²) + ε
/// b ← μ·b + g / d;  θ ← θ − η·b          (with momentum μ &gt; 0)
/// θ ← θ − η·g / d                        (without)
/// </code>
/// </summary>
public sealed class RmsProp<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly double alpha, eps, momentum;
    private readonly bool centered;

    /// <summary>RMSprop over one group of parameters, all with L2 weight decay <paramref name="weightDecay"/>.</summary>
    public RmsProp(IEnumerable<Var<T>> parameters, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8, double weightDecay = 0, double momentum = 0, bool centered = false)
        : this([new ParamGroup<T>([.. parameters], weightDecay)], lr, alpha, eps, momentum, centered)
    {
    }

    /// <summary>RMSprop over parameter groups, each with its own L2 weight decay.</summary>
    public RmsProp(IReadOnlyList<ParamGroup<T>> groups, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8, double momentum = 0, bool centered = false)
        : base("RMSprop", groups, lr)
    {
        Require(alpha >= 0, "alpha", alpha, "must be ≥ 0");
        Require(eps >= 0, "eps", eps, "must be ≥ 0");
        Require(momentum >= 0, "momentum", momentum, "must be ≥ 0");
        (this.alpha, this.eps, this.momentum, this.centered) = (alpha, eps, momentum, centered);
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<string> BufferNames => ["square_avg", "grad_avg", "momentum_buffer"];

    /// <inheritdoc/>
    protected override void Update(int index, Span<T> theta, ReadOnlySpan<T> g, long t, double lr, double weightDecay)
    {
        Span<T> v = Buffer(index, "square_avg");
        Span<T> gAvg = centered ? Buffer(index, "grad_avg") : default;
        Span<T> b = momentum > 0 ? Buffer(index, "momentum_buffer") : default;
        T a = T.CreateChecked(alpha), oneMinusA = T.CreateChecked(1 - alpha);
        T eta = T.CreateChecked(lr), lambda = T.CreateChecked(weightDecay);
        T epsilon = T.CreateChecked(eps), mu = T.CreateChecked(momentum);
        for (int j = 0; j < theta.Length; j++)
        {
            T gj = g[j] + lambda * theta[j];
            v[j] = a * v[j] + oneMinusA * gj * gj;
            T d;
            if (centered)
            {
                gAvg[j] = a * gAvg[j] + oneMinusA * gj;
                d = T.Sqrt(v[j] - gAvg[j] * gAvg[j]) + epsilon;
            }
            else
            {
                d = T.Sqrt(v[j]) + epsilon;
            }
            if (momentum > 0)
            {
                b[j] = mu * b[j] + gj / d;
                theta[j] -= eta * b[j];
            }
            else
            {
                theta[j] -= eta * gj / d;
            }
        }
    }
}
