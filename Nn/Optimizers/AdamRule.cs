using System.Numerics;

namespace Scratch.Nn.Optimizers;

/// <summary>The moment updates and the bias-corrected step shared by <see cref="Adam{T}"/> and <see cref="AdamW{T}"/>.</summary>
internal sealed class AdamRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly double beta1, beta2, eps;

    public AdamRule(Optimizer<T> owner, double beta1, double beta2, double eps)
    {
        Check(owner, "beta1", beta1);
        Check(owner, "beta2", beta2);
        if (!(eps >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(eps), eps, $"{owner.Name}: eps = {eps} must be ≥ 0");
        }
        (this.beta1, this.beta2, this.eps) = (beta1, beta2, eps);
    }

    private static void Check(Optimizer<T> owner, string name, double beta)
    {
        if (!(beta >= 0 && beta < 1))
        {
            throw new ArgumentOutOfRangeException(name, beta, $"{owner.Name}: {name} = {beta} must be in [0, 1)");
        }
    }

    /// <summary>m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  θ ← θ − η/(1−β₁ᵗ) · m/(√v/√(1−β₂ᵗ) + ε), with g ← g + l2·θ first.</summary>
    public void Apply(Span<T> theta, ReadOnlySpan<T> g, Span<T> m, Span<T> v, long t, double lr, double l2)
    {
        double biasCorrection1 = 1 - Math.Pow(beta1, t);
        double biasCorrection2 = 1 - Math.Pow(beta2, t);
        T stepSize = T.CreateChecked(lr / biasCorrection1);
        T sqrtBc2 = T.CreateChecked(Math.Sqrt(biasCorrection2));
        T b1 = T.CreateChecked(beta1), b2 = T.CreateChecked(beta2);
        T oneMinusB1 = T.CreateChecked(1 - beta1), oneMinusB2 = T.CreateChecked(1 - beta2);
        T epsilon = T.CreateChecked(eps), lambda = T.CreateChecked(l2);
        int j = 0;
        // Stryker disable once Boolean : the SIMD lines compute exactly the scalar loop's numbers (SimdOptimizerKernelTests), so skipping them changes none
        if (Vector.IsHardwareAccelerated)
        {
            // The same lines, a Vector<T> of parameters at a time (every operation is exactly rounded, so the
            // lanes compute the same numbers as the scalar loop below).
            int width = Vector<T>.Count;
            var vb1 = new Vector<T>(b1);
            var vb2 = new Vector<T>(b2);
            var v1b1 = new Vector<T>(oneMinusB1);
            var v1b2 = new Vector<T>(oneMinusB2);
            var vStep = new Vector<T>(stepSize);
            var vSqrtBc2 = new Vector<T>(sqrtBc2);
            var vEps = new Vector<T>(epsilon);
            var vLambda = new Vector<T>(lambda);
            // Stryker disable once Equality : where the scalar tail starts changes no number (the same exactly rounded operations)
            for (; j <= theta.Length - width; j += width)
            {
                var th = new Vector<T>(theta[j..]);
                var gj = new Vector<T>(g[j..]) + vLambda * th;
                var mj = vb1 * new Vector<T>(m[j..]) + v1b1 * gj;
                var vj = vb2 * new Vector<T>(v[j..]) + v1b2 * gj * gj;
                mj.CopyTo(m[j..]);
                vj.CopyTo(v[j..]);
                (th - vStep * mj / (Vector.SquareRoot(vj) / vSqrtBc2 + vEps)).CopyTo(theta[j..]);
            }
        }
        for (; j < theta.Length; j++)
        {
            T gj = g[j] + lambda * theta[j];
            m[j] = b1 * m[j] + oneMinusB1 * gj;
            v[j] = b2 * v[j] + oneMinusB2 * gj * gj;
            theta[j] -= stepSize * m[j] / (T.Sqrt(v[j]) / sqrtBc2 + epsilon);
        }
    }
}
