using System.Runtime.InteropServices;
using Scratch.Gpt.Sampling;
using Scratch.Tensors;

namespace Scratch.Gpt.Inspection;

/// <summary>
/// A counting n-gram language model over token ids, the baseline a transformer should beat: it predicts the
/// next token from the n − 1 before it by looking up how often each token followed that context in training.
/// Letters: n the order, V the vocabulary, k the add-k smoothing, c = (w₋ₙ₊₁ … w₋₁) a context.
/// <code>
/// count(c, w) = how often c was followed by w in the training tokens
/// count(c)    = Σ_w count(c, w)                  (how often c was followed by anything)
/// P(w | c)    = (count(c, w) + k) / (count(c) + k·V)     add-k (Laplace for k = 1); sums to 1 over w
/// loss        = mean over positions i ≥ n − 1 of −ln P(x_i | x_{i−n+1} … x_{i−1})
/// </code>
/// Training and the loss use only whole contexts inside the given tokens: the first n − 1 positions of a
/// sequence are skipped, not predicted from a shorter context. An unseen context gives the uniform 1/V.
/// k &gt; 0 is required: with k = 0 an unseen pair has P = 0 and its loss −ln 0 = ∞.
/// </summary>
public sealed class NGramModel
{
    private readonly Dictionary<long, long> contextCounts; // key(c) → count(c)
    private readonly Dictionary<long, long> pairCounts; // key(c)·V + w → count(c, w)

    private NGramModel(int n, int vocabSize, double k, Dictionary<long, long>? contextCounts = null, Dictionary<long, long>? pairCounts = null)
    {
        N = n;
        VocabSize = vocabSize;
        Smoothing = k;
        this.contextCounts = contextCounts ?? [];
        this.pairCounts = pairCounts ?? [];
    }

    /// <summary>The order n: a context is the n − 1 previous tokens.</summary>
    public int N { get; }

    /// <summary>V.</summary>
    public int VocabSize { get; }

    /// <summary>k, added to every count.</summary>
    public double Smoothing { get; }

    /// <summary>How many distinct contexts were seen in training.</summary>
    public int ContextsSeen => contextCounts.Count;

    /// <summary>Counts every (context, next token) pair of <paramref name="tokens"/>.</summary>
    /// <exception cref="ArgumentException">n &lt; 1, k ≤ 0, V^n too large to index, or an id outside [0, V).</exception>
    public static NGramModel Train(ReadOnlySpan<int> tokens, int n, int vocabSize, double k = 1.0)
    {
        if (n < 1)
        {
            throw new ArgumentException($"--n must be ≥ 1, got {n}");
        }
        if (!(k > 0) || double.IsInfinity(k))
        {
            throw new ArgumentException($"--smoothing must be a finite number > 0, got {k}");
        }
        if (vocabSize < 1 || n * Math.Log2(vocabSize) > 62)
        {
            throw new ArgumentException($"ngram: V^n = {vocabSize}^{n} contexts are too many to index; use a smaller n");
        }
        var model = new NGramModel(n, vocabSize, k);
        for (int i = n - 1; i < tokens.Length; i++)
        {
            long c = model.Key(tokens.Slice(i - n + 1, n - 1));
            int w = model.CheckId(tokens[i]);
            // count(c) += 1 and count(c, w) += 1, each with one hash lookup
            CollectionsMarshal.GetValueRefOrAddDefault(model.contextCounts, c, out _)++;
            CollectionsMarshal.GetValueRefOrAddDefault(model.pairCounts, c * vocabSize + w, out _)++;
        }
        return model;
    }

    /// <summary>The same counts with another smoothing k (nothing is counted again).</summary>
    /// <exception cref="ArgumentException">k ≤ 0.</exception>
    public NGramModel WithSmoothing(double k)
    {
        if (!(k > 0) || double.IsInfinity(k))
        {
            throw new ArgumentException($"--smoothing must be a finite number > 0, got {k}");
        }
        return new NGramModel(N, VocabSize, k, contextCounts, pairCounts);
    }

    /// <summary>count(c), how often the last n − 1 tokens c of <paramref name="context"/> were followed by anything in training (0: never seen).</summary>
    public long ContextCount(ReadOnlySpan<int> context) => contextCounts.GetValueOrDefault(Key(LastContext(context)));

    /// <summary>count(c, w), how often the last n − 1 tokens c of <paramref name="context"/> were followed by <paramref name="w"/> in training.</summary>
    public long PairCount(ReadOnlySpan<int> context, int w) => pairCounts.GetValueOrDefault(Key(LastContext(context)) * VocabSize + CheckId(w));

    /// <summary>P(w | c) for the last n − 1 tokens c of <paramref name="context"/>.</summary>
    public double Probability(ReadOnlySpan<int> context, int w)
    {
        long c = Key(LastContext(context));
        long pair = pairCounts.GetValueOrDefault(c * VocabSize + CheckId(w)), total = contextCounts.GetValueOrDefault(c);
        return (pair + Smoothing) / (total + Smoothing * VocabSize);
    }

    /// <summary>P(· | c) for every token, (V).</summary>
    public double[] Distribution(ReadOnlySpan<int> context)
    {
        var p = new double[VocabSize];
        for (int w = 0; w < VocabSize; w++)
        {
            p[w] = Probability(context, w);
        }
        return p;
    }

    /// <summary>The mean −ln P(x_i | previous n − 1) over positions n − 1 … of <paramref name="tokens"/>, in nats.</summary>
    /// <exception cref="ArgumentException">Fewer than n tokens, so nothing to predict.</exception>
    public double Loss(ReadOnlySpan<int> tokens)
    {
        if (tokens.Length < N)
        {
            throw new ArgumentException($"ngram: {tokens.Length} tokens are too few to score with n = {N}");
        }
        double sum = 0;
        for (int i = N - 1; i < tokens.Length; i++)
        {
            sum -= Math.Log(Probability(tokens.Slice(i - N + 1, N - 1), tokens[i]));
        }
        return sum / (tokens.Length - N + 1);
    }

    /// <summary>Draws <paramref name="count"/> tokens after <paramref name="prompt"/> (at least n − 1 tokens), each from P(· | last n − 1).</summary>
    /// <exception cref="ArgumentException">The prompt is too short, or <paramref name="count"/> is negative (thrown on the call).</exception>
    public IEnumerable<int> Sample(IReadOnlyList<int> prompt, int count, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(rng);
        if (prompt.Count < N - 1)
        {
            throw new ArgumentException($"ngram: sampling with n = {N} needs a prompt of at least {N - 1} tokens, got {prompt.Count}");
        }
        if (count < 0)
        {
            throw new ArgumentException($"--max-new-tokens must be ≥ 0, got {count}");
        }
        return Run([.. prompt], count, rng);
    }

    private IEnumerable<int> Run(List<int> context, int count, Rng rng)
    {
        for (int i = 0; i < count; i++)
        {
            int w = Sampler.Draw(Distribution(CollectionsMarshal.AsSpan(context)), rng);
            context.Add(w);
            yield return w;
        }
    }

    private ReadOnlySpan<int> LastContext(ReadOnlySpan<int> context)
    {
        if (context.Length < N - 1)
        {
            throw new ArgumentException($"ngram: a context needs {N - 1} tokens, got {context.Length}");
        }
        return context[(context.Length - (N - 1))..];
    }

    /// <summary>The context as one number, its ids read as digits in base V.</summary>
    private long Key(ReadOnlySpan<int> context)
    {
        long key = 0;
        foreach (int id in context)
        {
            key = key * VocabSize + CheckId(id);
        }
        return key;
    }

    private int CheckId(int id) => id >= 0 && id < VocabSize ? id
        : throw new ArgumentOutOfRangeException(nameof(id), id, $"ngram: token id {id} is outside [0, {VocabSize})");
}
