using Scratch.Tensors;

namespace Scratch.Gpt.Inspection;

/// <summary>
/// Principal component analysis with our own tensors. Dimensions: N points, C features, k components.
/// <code>
/// μ = mean of the rows of X                     (C)
/// X̄ = X − μ                                     (N, C) centred
/// Σ = X̄ᵀ·X̄ / (N − 1)                             (C, C) covariance, symmetric
/// power iteration: v ← Σ·v / ‖Σ·v‖ until v stops turning; then λ = vᵀ·Σ·v   the largest eigenpair
/// deflation: Σ ← Σ − λ·v·vᵀ, and repeat for the next component
/// projection: Y = X̄ · Vᵀ                         (N, k), V (k, C) the components as rows
/// </code>
/// Power iteration converges like (λ₂/λ₁)ⁱ, so it is slow when two variances are close; the iteration cap
/// then leaves a vector inside the (nearly) shared eigenspace, which is still a valid direction to plot.
/// </summary>
public sealed class Pca
{
    private Pca(Tensor<double> mean, Tensor<double> components, double[] variances, double totalVariance)
    {
        Mean = mean;
        Components = components;
        Variances = variances;
        TotalVariance = totalVariance;
    }

    /// <summary>μ, (C).</summary>
    public Tensor<double> Mean { get; }

    /// <summary>The principal directions as unit rows, (k, C), by decreasing variance.</summary>
    public Tensor<double> Components { get; }

    /// <summary>The variance along each component, λ₁ ≥ λ₂ ≥ … (k).</summary>
    public IReadOnlyList<double> Variances { get; }

    /// <summary>
    /// The variance of the data summed over every direction: the trace of Σ, Σ_c Var(x_c), which is also the sum of
    /// all C eigenvalues. Variances[i] / TotalVariance is the share of the spread that component i explains.
    /// </summary>
    public double TotalVariance { get; }

    /// <summary>The share of <see cref="TotalVariance"/> along each component, λᵢ / tr Σ (k), each in [0, 1].</summary>
    public IReadOnlyList<double> ExplainedVarianceRatio => Variances.Select(v => TotalVariance > 0 ? v / TotalVariance : 0).ToArray();

    /// <summary>The top <paramref name="k"/> principal components of the rows of <paramref name="x"/> (N, C), N ≥ 2.</summary>
    public static Pca Fit(Tensor<double> x, int k, Rng rng, int maxIterations = 1000, double tolerance = 1e-12)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(rng);
        if (x.Rank != 2 || x.Size(0) < 2 || k < 1 || k > x.Size(1))
        {
            throw new ArgumentException($"pca: needs (N, C) data with N ≥ 2 and 1 ≤ k ≤ C, got {Shapes.Format(x.Shape)} and k = {k}");
        }
        int N = x.Size(0), C = x.Size(1);
        var mean = x.Mean(0); // (C)
        var centred = x - mean; // (N, C)
        var covariance = Tensor<double>.MatMul(centred.Transpose(0, 1), centred) / (N - 1.0); // (C, N)·(N, C) → (C, C)
        double total = Enumerable.Range(0, C).Sum(c => covariance[c, c]); // tr Σ, before deflation removes anything
        var components = new List<Tensor<double>>();
        var variances = new double[k];
        for (int c = 0; c < k; c++)
        {
            var v = Normalize(Tensor<double>.Randn(rng, C, 1)); // (C, 1)
            for (int i = 0; i < maxIterations; i++)
            {
                var next = Normalize(Tensor<double>.MatMul(covariance, v)); // Σ·v / ‖Σ·v‖
                double change = (next - v).Abs().Max().Item();
                v = next;
                if (change < tolerance)
                {
                    break;
                }
            }
            double lambda = Tensor<double>.MatMul(v.Transpose(0, 1), Tensor<double>.MatMul(covariance, v)).Item(); // vᵀΣv
            variances[c] = lambda;
            covariance = covariance - Tensor<double>.MatMul(v, v.Transpose(0, 1)) * lambda; // deflate: Σ − λ·v·vᵀ
            components.Add(v.Reshape(C));
        }
        return new Pca(mean, Tensor<double>.Stack(components, 0), variances, total);
    }

    /// <summary>The coordinates of the rows of <paramref name="x"/> (N, C) along the components: (x − μ)·Vᵀ, (N, k).</summary>
    public Tensor<double> Project(Tensor<double> x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Tensor<double>.MatMul(x - Mean, Components.Transpose(0, 1)); // (N, C)·(C, k) → (N, k)
    }

    /// <summary>v / ‖v‖, with the sign fixed so the largest-magnitude entry is positive (power iteration may flip it).</summary>
    private static Tensor<double> Normalize(Tensor<double> v)
    {
        double[] values = v.ToArray();
        double norm = Math.Sqrt(values.Sum(a => a * a));
        if (norm == 0)
        {
            return v; // Σ·v = 0: no variance left in any direction
        }
        double sign = Math.Sign(values.MaxBy(Math.Abs)) is var s && s != 0 ? s : 1;
        return v * (sign / norm);
    }
}
