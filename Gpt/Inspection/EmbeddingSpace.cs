using System.Numerics;
using Scratch.Gpt.Model;
using Scratch.Tensors;

namespace Scratch.Gpt.Inspection;

/// <summary>
/// The token embedding table E (V, C) as a space of vectors, one row per token, compared by the cosine of
/// the angle between them:
/// <code>
/// cos(a, b) = (e_a · e_b) / (‖e_a‖ · ‖e_b‖)             1: same direction, 0: orthogonal, −1: opposite
/// nearest(v) = the ids i with the largest cos(v, e_i)
/// analogy(a, b, c) = nearest(e_a − e_b + e_c), leaving out a, b and c   "a is to b as ? is to c"
/// </code>
/// For the word2vec example, analogy(king, man, woman) ≈ queen.
/// </summary>
public sealed class EmbeddingSpace
{
    private readonly Tensor<double> table; // (V, C)
    private readonly double[] norms; // (V): ‖e_i‖

    /// <summary>A space over the rows of <paramref name="table"/> (V, C).</summary>
    public EmbeddingSpace(Tensor<double> table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.Rank != 2 || table.Size(0) == 0 || table.Size(1) == 0)
        {
            throw new ArgumentException($"embeddings: the table must be (V, C) with V, C ≥ 1, got {Shapes.Format(table.Shape)}");
        }
        this.table = table.Contiguous();
        norms = this.table.Pow(2.0).Sum(1).Sqrt().ToArray(); // (V)
    }

    /// <summary>The space of a model's token embedding (wte).</summary>
    public static EmbeddingSpace FromModel<T>(GptModel<T> model) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        var wte = model.TokenEmbedding.Value;
        return new EmbeddingSpace(Tensor<double>.FromArray(wte.ToArray().Select(double.CreateChecked).ToArray(), wte.ShapeArray()));
    }

    /// <summary>V.</summary>
    public int Count => table.Size(0);

    /// <summary>C.</summary>
    public int Dim => table.Size(1);

    /// <summary>The table (V, C).</summary>
    public Tensor<double> Table => table;

    /// <summary>e_i, (C).</summary>
    public double[] Vector(int id)
    {
        CheckId(id);
        return table.Slice(0, id, id + 1).ToArray();
    }

    /// <summary>cos(e_a, e_b); 0 when either vector is zero.</summary>
    public double Cosine(int a, int b) => Cosine(Vector(a), b);

    /// <summary>The <paramref name="k"/> tokens most similar to token <paramref name="id"/>, itself left out, most similar first.</summary>
    public IReadOnlyList<(int Id, double Similarity)> Nearest(int id, int k) => Nearest(Vector(id), k, [id]);

    /// <summary>The <paramref name="k"/> tokens whose vectors point most nearly along <paramref name="vector"/> (C), without <paramref name="exclude"/>.</summary>
    public IReadOnlyList<(int Id, double Similarity)> Nearest(double[] vector, int k, IReadOnlyCollection<int> exclude)
    {
        ArgumentNullException.ThrowIfNull(vector);
        ArgumentNullException.ThrowIfNull(exclude);
        if (vector.Length != Dim)
        {
            throw new ArgumentException($"embeddings: a vector of {vector.Length} numbers in a space of dimension {Dim}");
        }
        return Enumerable.Range(0, Count).Where(i => !exclude.Contains(i))
            .Select(i => (Id: i, Similarity: Cosine(vector, i)))
            .OrderByDescending(p => p.Similarity).ThenBy(p => p.Id).Take(k).ToList();
    }

    /// <summary>The tokens nearest to e_a − e_b + e_c, not counting a, b and c ("a is to b as ? is to c").</summary>
    public IReadOnlyList<(int Id, double Similarity)> Analogy(int a, int b, int c, int k)
    {
        double[] ea = Vector(a), eb = Vector(b), ec = Vector(c);
        double[] target = Enumerable.Range(0, Dim).Select(j => ea[j] - eb[j] + ec[j]).ToArray();
        return Nearest(target, k, [a, b, c]);
    }

    private double Cosine(double[] v, int i)
    {
        double dot = 0, vv = 0;
        var row = table.AsSpan().Slice(i * Dim, Dim);
        for (int j = 0; j < Dim; j++)
        {
            dot += v[j] * row[j];
            vv += v[j] * v[j];
        }
        double denominator = Math.Sqrt(vv) * norms[i];
        return denominator == 0 ? 0 : dot / denominator;
    }

    private void CheckId(int id)
    {
        if (id < 0 || id >= Count)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, $"embeddings: token id {id} is outside [0, {Count})");
        }
    }
}
