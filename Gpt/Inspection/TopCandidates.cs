using System.Globalization;
using Scratch.Gpt.Tokenizers;

namespace Scratch.Gpt.Inspection;

/// <summary>The k most likely next tokens of a distribution, for <c>scratch sample --show-probs</c>.</summary>
public static class TopCandidates
{
    /// <summary>The <paramref name="k"/> ids of highest probability in <paramref name="p"/>, most likely first (ties: the smaller id first).</summary>
    public static IReadOnlyList<(int Id, double P)> Of(IReadOnlyList<double> p, int k)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (k < 1)
        {
            throw new ArgumentException($"top candidates: k must be ≥ 1, got {k}");
        }
        // one pass keeping the k best, (V · k) rather than sorting all V = 50,257
        var best = new List<(int Id, double P)>(k + 1);
        for (int id = 0; id < p.Count; id++)
        {
            if (best.Count == k && p[id] <= best[^1].P)
            {
                continue;
            }
            int at = best.Count;
            while (at > 0 && best[at - 1].P < p[id])
            {
                at--;
            }
            best.Insert(at, (id, p[id]));
            if (best.Count > k)
            {
                best.RemoveAt(k);
            }
        }
        return best;
    }

    /// <summary>"'␣Paris' 0.3100  '␣the' 0.1200 …": the candidates with their probabilities, tokens made visible.</summary>
    public static string Format(ITokenizer tokenizer, IReadOnlyList<double> p, int k) =>
        string.Join("  ", Of(p, k).Select(c => string.Create(CultureInfo.InvariantCulture, $"'{TokenLabel.Of(tokenizer, c.Id)}' {c.P:F4}")));
}
