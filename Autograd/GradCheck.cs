using Scratch.Tensors;

namespace Scratch.Autograd;

/// <summary>
/// Gradient checking: compares the gradients that <see cref="Var{T}.Backward()"/> computes (analytic) with
/// central differences (numeric), in double precision:
/// <code>
/// ∂L/∂xᵢ ≈ (L(x + ε·eᵢ) − L(x − ε·eᵢ)) / 2ε        error O(ε²)
/// </code>
/// When f returns more than one number, L = Σ w ⊙ f(x) with fixed random weights w, so that every output
/// element contributes to the check (a Jacobian–vector product). Each element's relative error is
/// |a − n| / max(|a|, |n|, tiny); the worst one is reported.
/// </summary>
public static class GradCheck
{
    /// <summary>Checks f's gradients with respect to every input, at the given inputs.</summary>
    /// <param name="f">The function under test, built from Var ops.</param>
    /// <param name="inputs">Where to check; each becomes a leaf that requires a gradient.</param>
    /// <param name="epsilon">The finite-difference step ε.</param>
    /// <param name="tiny">
    /// The smallest denominator: gradients that are zero up to rounding (|a|, |n| below tiny) are compared by
    /// their absolute difference scaled by 1/tiny instead.
    /// </param>
    /// <param name="seed">Seeds the output weights w.</param>
    public static GradCheckResult Run(Func<Var<double>[], Var<double>> f, IReadOnlyList<Tensor<double>> inputs,
        double epsilon = 1e-5, double tiny = 1e-3, ulong seed = 0)
    {
        // Analytic: one backward pass with upstream gradient w.
        var leaves = inputs.Select((x, i) => new Var<double>(x.Clone(), requiresGrad: true, name: $"input{i}")).ToArray();
        var output = f(leaves);
        var weights = output.Value.Count == 1 ? Tensor<double>.Ones(output.Shape) : Tensor<double>.Randn(new Rng(seed), output.Shape);
        output.Backward(weights);

        // Numeric: nudge each element of each input both ways and re-evaluate L = Σ w ⊙ f(x).
        double Loss(Tensor<double>[] xs)
        {
            using var _ = GradMode.NoGrad();
            var y = f(xs.Select(x => new Var<double>(x)).ToArray());
            return (y.Value * weights).Sum().Item();
        }

        var worst = new GradCheckResult(-1, [], 0, 0, 0, 0);
        int checkedCount = 0;
        for (int i = 0; i < inputs.Count; i++)
        {
            var xs = inputs.Select(x => x.Clone()).ToArray();
            double[] analytic = leaves[i].Grad?.ToArray() ?? new double[inputs[i].Count];
            var flat = xs[i].AsSpan().ToArray(); // the original values
            for (int j = 0; j < flat.Length; j++)
            {
                xs[i].AsSpan()[j] = flat[j] + epsilon;
                double plus = Loss(xs);
                xs[i].AsSpan()[j] = flat[j] - epsilon;
                double minus = Loss(xs);
                xs[i].AsSpan()[j] = flat[j];
                double numeric = (plus - minus) / (2 * epsilon);
                double error = Math.Abs(analytic[j] - numeric) / Math.Max(Math.Max(Math.Abs(analytic[j]), Math.Abs(numeric)), tiny);
                checkedCount++;
                if (worst.InputIndex < 0 || error > worst.RelativeError || double.IsNaN(error))
                {
                    worst = new GradCheckResult(i, Unravel(j, inputs[i].ShapeArray()), analytic[j], numeric, error, 0);
                }
            }
        }
        return worst with { ElementsChecked = checkedCount };
    }

    private static int[] Unravel(int flat, int[] shape)
    {
        var index = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = flat % shape[d];
            flat /= shape[d];
        }
        return index;
    }
}
