namespace Scratch.Gpt.Tokenizers;

/// <summary>
/// One rule learned by byte-pair encoding: wherever token <see cref="Left"/> is directly followed by
/// token <see cref="Right"/>, the two become the single token <see cref="Id"/>. Merges are numbered in
/// the order they were learned; the k-th merge (k = 0, 1, …) creates id 256 + k, and encoding applies
/// them in that order (its rank).
/// </summary>
/// <param name="Left">The first token of the pair.</param>
/// <param name="Right">The second token of the pair.</param>
/// <param name="Id">The new token: 256 + the merge's rank.</param>
public readonly record struct BpeMerge(int Left, int Right, int Id)
{
    /// <summary>The rank of the merge: the order in which it was learned and is applied (Id − 256).</summary>
    public int Rank => Id - BpeTokenizer.ByteVocabSize;
}
