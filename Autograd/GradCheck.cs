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
        // Fresh leaves for the analytic pass; clones of the inputs, nudged in place, for the numeric one.
        var leaves = inputs.Select((x, i) => new Var<double>(x.Clone(), requiresGrad: true, name: $"input{i}")).ToArray();
        var xs = inputs.Select(x => x.Clone()).ToArray();
        return Compare(() => f(leaves), () => f(xs.Select(x => new Var<double>(x)).ToArray()), leaves, xs, epsilon, tiny, seed);
    }

    /// <summary>
    /// Checks f's gradients with respect to leaves that already exist: a module's parameters, and inputs the
    /// caller created with requiresGrad. f closes over them (for example <c>() =&gt; Loss(model.Forward(x))</c>)
    /// and must be deterministic (dropout off: modules in eval mode, or p = 0).
    /// </summary>
    /// <remarks>
    /// The leaves' gradients are zeroed first, then one Backward fills them. The numeric pass nudges each leaf's
    /// <see cref="Var{T}.Value"/> in place (so the leaves must be contiguous) and puts every value back; it runs
    /// under <see cref="GradMode.NoGrad"/>, so the gradients it leaves behind are those of the analytic pass.
    /// A leaf listed twice is checked twice; a leaf f does not use must have gradient zero.
    /// </remarks>
    /// <param name="f">The function under test, reading the leaves.</param>
    /// <param name="leaves">The leaves to check (each must require a gradient).</param>
    /// <param name="epsilon">The finite-difference step ε.</param>
    /// <param name="tiny">The smallest denominator (see the other overload).</param>
    /// <param name="seed">Seeds the output weights w.</param>
    public static GradCheckResult Run(Func<Var<double>> f, IReadOnlyList<Var<double>> leaves,
        double epsilon = 1e-5, double tiny = 1e-3, ulong seed = 0)
    {
        foreach (var leaf in leaves)
        {
            if (!leaf.RequiresGrad)
            {
                throw new ArgumentException($"gradcheck: leaf '{leaf.Name}' does not require a gradient");
            }
            leaf.ZeroGrad();
        }
        return Compare(f, f, leaves, leaves.Select(l => l.Value).ToArray(), epsilon, tiny, seed);
    }

    /// <summary>
    /// The shared core. <paramref name="analyticPass"/> builds the graph over <paramref name="leaves"/>;
    /// <paramref name="numericPass"/> evaluates f on <paramref name="nudged"/> (tensor i holds the values of
    /// leaf i, and is changed in place here).
    /// </summary>
    private static GradCheckResult Compare(Func<Var<double>> analyticPass, Func<Var<double>> numericPass,
        IReadOnlyList<Var<double>> leaves, IReadOnlyList<Tensor<double>> nudged, double epsilon, double tiny, ulong seed)
    {
        // Analytic: one backward pass with upstream gradient w.
        var output = analyticPass();
        var weights = output.Value.Count == 1 ? Tensor<double>.Ones(output.Shape) : Tensor<double>.Randn(new Rng(seed), output.Shape);
        output.Backward(weights);
        var analytic = leaves.Select(l => l.Grad?.ToArray() ?? new double[l.Value.Count]).ToArray(); // before any nudging

        // Numeric: nudge each element of each leaf both ways and re-evaluate L = Σ w ⊙ f(x).
        double Loss()
        {
            using var _ = GradMode.NoGrad();
            return (numericPass().Value * weights).Sum().Item();
        }

        var worst = new GradCheckResult(-1, [], 0, 0, 0, 0);
        int checkedCount = 0;
        for (int i = 0; i < nudged.Count; i++)
        {
            var values = nudged[i].AsSpan().ToArray(); // the original values
            for (int j = 0; j < values.Length; j++)
            {
                nudged[i].AsSpan()[j] = values[j] + epsilon;
                double plus = Loss();
                nudged[i].AsSpan()[j] = values[j] - epsilon;
                double minus = Loss();
                nudged[i].AsSpan()[j] = values[j];
                double numeric = (plus - minus) / (2 * epsilon);
                double a = analytic[i][j];
                double error = Math.Abs(a - numeric) / Math.Max(Math.Max(Math.Abs(a), Math.Abs(numeric)), tiny);
                checkedCount++;
                if (worst.InputIndex < 0 || error > worst.RelativeError || double.IsNaN(error))
                {
                    worst = new GradCheckResult(i, Unravel(j, nudged[i].ShapeArray()), a, numeric, error, 0);
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
