// Line budget: exempt because Distribution follows the class comment's recipe top to bottom (greedy, temperature, top-k, softmax, top-p) in 61 lines; Gpt/Sampling is being changed on another branch, so it is not split here.
using Scratch.Tensors;

namespace Scratch.Gpt.Sampling;

/// <summary>
/// Turns one row of logits (V numbers, one per token id) into a probability distribution and draws a
/// token from it. Dimensions: V vocabulary size. Every step works in double, whatever the model's type.
/// <code>
/// T = 0:   p = one-hot(argmax z)                          greedy; ties go to the lowest id
/// T &gt; 0:   z' = z / T                                   temperature
///          z'ᵢ = −∞ unless i is among the k largest       top-k (ties broken by the lower id)
///          p = softmax(z'),  pᵢ = exp(z'ᵢ − max z') / Σⱼ exp(z'ⱼ − max z')
///          keep the smallest set S of most likely tokens with Σ_{i∈S} pᵢ ≥ top_p, then pᵢ ← pᵢ / Σ_{j∈S} pⱼ on S, 0 elsewhere
/// draw:    the first i with p₀ + … + pᵢ &gt; u, u uniform in [0, 1) from <see cref="Rng"/>
/// </code>
/// </summary>
public static class Sampler
{
    /// <summary>The distribution the next token is drawn from, after temperature, top-k and top-p.</summary>
    /// <param name="logits">The model's logits for one position, (V).</param>
    /// <param name="options">Temperature and filters (validated here).</param>
    /// <returns>Probabilities, (V), summing to 1.</returns>
    public static double[] Distribution(ReadOnlySpan<double> logits, SamplingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int V = logits.Length;
        if (V == 0)
        {
            throw new ArgumentException("sampler: the logits are empty");
        }
        var p = new double[V];
        if (options.Temperature == 0)
        {
            p[ArgMax(logits)] = 1.0; // greedy: all the mass on the most likely token
            return p;
        }

        var z = new double[V];
        for (int i = 0; i < V; i++)
        {
            z[i] = logits[i] / options.Temperature; // z' = z / T
        }
        // token ids from most to least likely, for the filters only (sorting GPT-2's 50,257 costs more than the rest)
        int[]? order = options.TopK is not null || options.TopP is not null ? Ranking(z) : null;
        if (options.TopK is int k && k < V)
        {
            for (int r = k; r < V; r++)
            {
                z[order![r]] = double.NegativeInfinity; // outside the k best (ranked above: there is a filter)
            }
        }

        double max = order is null ? z.Max() : z[order[0]], sum = 0;
        for (int i = 0; i < V; i++)
        {
            p[i] = Math.Exp(z[i] - max); // exp(−∞) = 0
            sum += p[i];
        }
        for (int i = 0; i < V; i++)
        {
            p[i] /= sum; // softmax
        }

        if (options.TopP is double topP && topP < 1)
        {
            int[] ranked = order!; // ranked above whenever there is a filter
            double cumulative = 0;
            int kept = 0;
            while (kept < V && cumulative < topP)
            {
                cumulative += p[ranked[kept]]; // grow the nucleus from the most likely token down
                kept++;
            }
            for (int r = kept; r < V; r++)
            {
                p[ranked[r]] = 0;
            }
            for (int r = 0; r < kept; r++)
            {
                p[ranked[r]] /= cumulative; // renormalise over the nucleus
            }
        }
        return p;
    }

    /// <summary>Draws a token id from <paramref name="probabilities"/>: the first i whose cumulative probability exceeds u ~ U[0, 1).</summary>
    public static int Draw(ReadOnlySpan<double> probabilities, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        double u = rng.NextDouble(), cumulative = 0;
        int last = -1;
        for (int i = 0; i < probabilities.Length; i++)
        {
            if (probabilities[i] <= 0)
            {
                continue;
            }
            cumulative += probabilities[i];
            last = i;
            if (u < cumulative)
            {
                return i;
            }
        }
        return last >= 0 ? last : throw new ArgumentException("sampler: the distribution has no positive probability");
    }

    /// <summary>Temperature, filters and a draw in one call. Greedy (T = 0) never touches <paramref name="rng"/>.</summary>
    public static int Sample(ReadOnlySpan<double> logits, SamplingOptions options, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Temperature == 0 ? ArgMax(logits) : Draw(Distribution(logits, options), rng);
    }

    /// <summary>The entropy H = −Σᵢ pᵢ · ln pᵢ in nats (0·ln 0 = 0): 0 for a certain choice, ln V for a uniform one.</summary>
    public static double Entropy(ReadOnlySpan<double> probabilities)
    {
        double h = 0;
        foreach (double p in probabilities)
        {
            if (p > 0)
            {
                h -= p * Math.Log(p);
            }
        }
        return h;
    }

    /// <summary>The index of the largest value; the lowest index among equals.</summary>
    public static int ArgMax(ReadOnlySpan<double> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }
        return best;
    }

    /// <summary>Token ids sorted by value, largest first; equal values in id order.</summary>
    private static int[] Ranking(double[] values)
    {
        int[] order = Enumerable.Range(0, values.Length).ToArray();
        Array.Sort(order, (a, b) => values[a] != values[b] ? values[b].CompareTo(values[a]) : a.CompareTo(b));
        return order;
    }
}
