using System.Numerics;
using Scratch.Autograd;

namespace Scratch.Nn.Optimizers;

/// <summary>
/// Stochastic gradient descent, as <c>torch.optim.SGD</c>. With gradient g, weight decay λ, momentum μ,
/// dampening τ and learning rate η, each step computes
/// <code>
/// g ← g + λ·θ                          (weight decay: the gradient of the L2 penalty ½λ‖θ‖²)
/// b ← g on the first step, else b ← μ·b + (1 − τ)·g      (only when μ ≠ 0)
/// g ← g + μ·b  (Nesterov)   or   g ← b  (plain momentum)
/// θ ← θ − η·g
/// </code>
/// </summary>
public sealed class Sgd<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly double momentum;
    private readonly double dampening;
    private readonly bool nesterov;

    /// <summary>SGD over one group of parameters, all with weight decay <paramref name="weightDecay"/>.</summary>
    public Sgd(IEnumerable<Var<T>> parameters, double lr, double momentum = 0, double dampening = 0, bool nesterov = false, double weightDecay = 0)
        : this([new ParamGroup<T>([.. parameters], weightDecay)], lr, momentum, dampening, nesterov)
    {
    }

    /// <summary>SGD over parameter groups, each with its own weight decay.</summary>
    public Sgd(IReadOnlyList<ParamGroup<T>> groups, double lr, double momentum = 0, double dampening = 0, bool nesterov = false)
        : base("SGD", groups, lr)
    {
        Require(momentum >= 0, "momentum", momentum, "must be ≥ 0");
        Require(dampening >= 0 && dampening <= 1, "dampening", dampening, "must be in [0, 1]");
        if (nesterov && (momentum <= 0 || dampening != 0))
        {
            throw new ArgumentException($"SGD: Nesterov momentum requires momentum > 0 and dampening = 0 (got momentum = {momentum}, dampening = {dampening})");
        }
        this.momentum = momentum;
        this.dampening = dampening;
        this.nesterov = nesterov;
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<string> BufferNames => ["momentum_buffer"];

    /// <inheritdoc/>
    protected override void Update(int index, Span<T> theta, ReadOnlySpan<T> g, long t, double lr, double weightDecay)
    {
        T eta = T.CreateChecked(lr), lambda = T.CreateChecked(weightDecay);
        T mu = T.CreateChecked(momentum), oneMinusTau = T.CreateChecked(1 - dampening);
        bool first = momentum != 0 && !HasBuffer(index, "momentum_buffer");
        Span<T> b = momentum != 0 ? Buffer(index, "momentum_buffer") : default;
        for (int j = 0; j < theta.Length; j++)
        {
            T d = g[j] + lambda * theta[j];
            if (momentum != 0)
            {
                b[j] = first ? d : mu * b[j] + oneMinusTau * d;
                d = nesterov ? d + mu * b[j] : b[j];
            }
            theta[j] -= eta * d;
        }
    }
}
