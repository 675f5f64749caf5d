using Scratch.Gpt.Tokenizers;
using Scratch.Tensors;

namespace Scratch.Gpt.Data;

/// <summary>
/// A tokenized corpus, split as nanoGPT splits it: with N tokens and n = ⌊0.9·N⌋, the training split is
/// tokens [0, n) and the validation split tokens [n, N). <see cref="GetBatch(DataSplit, int, int, Rng)"/> draws random windows
/// from a split for next-token prediction.
/// <para>Dimension letters: B = batch size (rows), T = block size (context length, tokens per row).</para>
/// </summary>
public sealed class TokenData
{
    /// <summary>The share of the tokens that goes to the training split (nanoGPT: 0.9).</summary>
    public const double TrainFraction = 0.9;

    private readonly int[] tokens;
    private readonly int trainLength;

    /// <summary>The corpus given as token ids; the first ⌊0.9·N⌋ train, the rest validate.</summary>
    /// <exception cref="ArgumentException">There are no tokens.</exception>
    public TokenData(int[] tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Length == 0)
            throw new ArgumentException("the corpus is empty: it has no tokens to train on", nameof(tokens));
        this.tokens = tokens;
        trainLength = (int)(TrainFraction * tokens.Length);   // nanoGPT: n = int(0.9*len(data))
    }

    /// <summary>Encodes <paramref name="text"/> with <paramref name="tokenizer"/>.</summary>
    /// <exception cref="ArgumentException">The text is empty, or the tokenizer rejects it.</exception>
    public static TokenData FromText(string text, ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (text.Length == 0)
            throw new ArgumentException("the corpus is empty: it has no text to train on", nameof(text));
        return new TokenData(tokenizer.Encode(text));
    }

    /// <summary>Reads a corpus file and encodes it with <paramref name="tokenizer"/> (see <see cref="CorpusFile.Encode"/>).</summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/> (the message names it).</exception>
    /// <exception cref="IOException">The path is a directory.</exception>
    /// <exception cref="InvalidDataException">The file is not UTF-8 and the tokenizer is not byte-level BPE.</exception>
    /// <exception cref="ArgumentException">The file is empty, or the tokenizer rejects its text.</exception>
    public static TokenData FromFile(string path, ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var corpus = CorpusFile.Read(path);
        if (corpus.IsEmpty)
            throw new ArgumentException($"the corpus {path} is empty: it has no text to train on", nameof(path));
        return new TokenData(corpus.Encode(tokenizer));
    }

    /// <summary>
    /// The text of a corpus file, which must be UTF-8 (see <see cref="CorpusFile"/>, which also reads files that
    /// are not, for the byte-level BPE tokenizer).
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="IOException">The path is a directory.</exception>
    /// <exception cref="InvalidDataException">The file is not UTF-8 (the message names the byte and what was found).</exception>
    public static string ReadCorpus(string path) => CorpusFile.Read(path).Text;

    /// <summary>All the token ids, N of them.</summary>
    public ReadOnlySpan<int> Tokens => tokens;

    /// <summary>N, the number of tokens in the corpus.</summary>
    public int Length => tokens.Length;

    /// <summary>The training split: tokens [0, n) with n = ⌊0.9·N⌋.</summary>
    public ReadOnlySpan<int> Train => tokens.AsSpan(0, trainLength);

    /// <summary>The validation split: tokens [n, N).</summary>
    public ReadOnlySpan<int> Val => tokens.AsSpan(trainLength);

    /// <summary>The tokens of <paramref name="split"/>.</summary>
    public ReadOnlySpan<int> Get(DataSplit split) => split switch
    {
        DataSplit.Train => Train,
        DataSplit.Val => Val,
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "expected Train or Val"),
    };

    /// <summary>
    /// A batch of B windows of T tokens from <paramref name="split"/>, and their targets, as nanoGPT's
    /// <c>get_batch</c>: for each row b, a start i ~ uniform{0, …, len − T − 1} (<c>rng.NextInt(len − T)</c>,
    /// drawn in row order), then x[b] = d[i : i+T] and y[b] = d[i+1 : i+T+1], so y[b, t] is the token that
    /// follows x[b, t]. Both are flat, row-major: element (b, t) is at b·T + t.
    /// </summary>
    /// <returns>x and y, each of length B·T.</returns>
    /// <exception cref="ArgumentException">The split has fewer than T + 1 tokens (the message names the
    /// split, its length and T), or B or T is not positive.</exception>
    public (int[] X, int[] Y) GetBatch(DataSplit split, int batchSize, int blockSize, Rng rng)
    {
        CheckShape(batchSize, blockSize);
        var x = new int[batchSize * blockSize];   // (B, T)
        var y = new int[batchSize * blockSize];   // (B, T)
        GetBatch(split, batchSize, blockSize, rng, x, y);
        return (x, y);
    }

    /// <summary>
    /// <see cref="GetBatch(DataSplit, int, int, Rng)"/> into buffers the caller owns (no allocation in a
    /// training loop); draws the same numbers from <paramref name="rng"/>.
    /// </summary>
    /// <exception cref="ArgumentException">As the other overload, or a buffer's length is not B·T.</exception>
    public void GetBatch(DataSplit split, int batchSize, int blockSize, Rng rng, Span<int> x, Span<int> y)
    {
        ArgumentNullException.ThrowIfNull(rng);
        CheckShape(batchSize, blockSize);
        if (x.Length != batchSize * blockSize || y.Length != batchSize * blockSize)
            throw new ArgumentException(
                $"GetBatch: x and y must each hold B·T = {batchSize}·{blockSize} = {batchSize * blockSize} ids, got {x.Length} and {y.Length}");
        var data = Get(split);
        if (data.Length < blockSize + 1)
            throw new ArgumentException(
                $"the {Name(split)} split has {data.Length} tokens, too few for a block size of {blockSize}: "
                + $"a window and its shifted target need at least block size + 1 = {blockSize + 1} tokens "
                + "(use a smaller block size or a longer corpus)", nameof(blockSize));
        for (var b = 0; b < batchSize; b++)
        {
            var i = rng.NextInt(data.Length - blockSize);   // i ∈ [0, len − T)
            data.Slice(i, blockSize).CopyTo(x.Slice(b * blockSize, blockSize));       // x[b] = d[i : i+T]
            data.Slice(i + 1, blockSize).CopyTo(y.Slice(b * blockSize, blockSize));   // y[b] = d[i+1 : i+T+1]
        }
    }

    private static void CheckShape(int batchSize, int blockSize)
    {
        if (batchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "the batch size must be positive");
        if (blockSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, "the block size must be positive");
    }

    private static string Name(DataSplit split) => split == DataSplit.Train ? "train" : "val";
}
