// Line budget: exempt because Train is one algorithm (a linked list of tokens, incremental pair counts, and two local helpers that share its tables) that reads best in one piece; TrainReference below it is the short version it is tested against.
using System.Runtime.InteropServices;

namespace Scratch.Gpt.Tokenizers;

public sealed partial class BpeTokenizer
{
    /// <summary>
    /// Learns <c>vocabSize − 256</c> merges from <paramref name="text"/> (minbpe's <c>train</c>): start from the
    /// text's UTF-8 bytes; then, for k = 0, 1, …, count every adjacent pair of tokens, merge the most
    /// frequent pair (a, b) into the new token 256 + k everywhere (left to right, so "aaa" becomes
    /// "Xa"), and record the merge.
    /// <para>
    /// Ties: among pairs with the same count, the smallest pair wins, comparing a first and then b
    /// (so bytes "e " = (101, 32) beat "th" = (116, 104) at equal counts). minbpe instead takes the pair
    /// seen first in the text; ids are simpler to state and do not depend on how counts are stored.
    /// </para>
    /// <para>
    /// <paramref name="vocabSize"/> 256 learns nothing and gives the byte tokenizer; below 256 is an
    /// error. If the text runs out of pairs (it is empty or has become a single token) before reaching the size,
    /// that is an error too: the tokenizer always has exactly the vocabulary asked for.
    /// </para>
    /// <para>
    /// Speed: the counts are not recomputed for each merge. The tokens form a linked list; a merge visits
    /// only the recorded positions of its pair and adjusts the counts of the pairs around each one
    /// (the neighbours x a b y lose (x, a) and (b, y) and gain (x, ab) and (ab, y)). Finding the most
    /// frequent pair scans the table of distinct pairs, which is small next to the text. The reference
    /// below recounts everything per merge and gives the same merges (a test holds them equal).
    /// </para>
    /// </summary>
    /// <param name="text">The training text (a well-formed string: no unpaired surrogates).</param>
    /// <param name="vocabSize">The size of the vocabulary to learn: 256 bytes + the number of merges.</param>
    /// <param name="onMerge">Called after each merge with the merge and the count of its pair, for progress
    /// or for watching what BPE learns.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="vocabSize"/> is below 256.</exception>
    /// <exception cref="ArgumentException">The text holds an unpaired surrogate, is too short for the vocabulary, or runs out of pairs.</exception>
    public static BpeTokenizer Train(string text, int vocabSize, Action<BpeMerge, int>? onMerge = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        CheckVocabSize(vocabSize);
        return Train(ToUtf8(text, "BpeTokenizer.Train"), vocabSize, onMerge);
    }

    /// <summary>
    /// <see cref="Train(string, int, Action{BpeMerge, int}?)"/> on bytes that need not be UTF-8 (Latin-1 text, a
    /// binary file): byte-level BPE never looks at characters, so any bytes have a tokenization.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="vocabSize"/> is below 256.</exception>
    /// <exception cref="ArgumentException">The bytes are too few for the vocabulary, or run out of pairs.</exception>
    public static BpeTokenizer Train(ReadOnlySpan<byte> bytes, int vocabSize, Action<BpeMerge, int>? onMerge = null)
    {
        CheckVocabSize(vocabSize);
        var n = bytes.Length;
        if (vocabSize - ByteVocabSize > Math.Max(n - 1, 0))
            throw new ArgumentException(
                $"BpeTokenizer.Train: a vocabulary of {vocabSize} needs {vocabSize - ByteVocabSize} merges, but a text of {n} bytes "
                + $"allows at most {Math.Max(n - 1, 0)} (each merge joins two tokens into one); ask for at most {ByteVocabSize + Math.Max(n - 1, 0)} "
                + "or give a longer text", nameof(vocabSize));
        var tok = new int[n];             // tok[p]: the token starting at byte p, or −1 once merged away
        var next = new int[n];
        var prev = new int[n];
        for (var p = 0; p < n; p++)
        {
            tok[p] = bytes[p];
            next[p] = p + 1 < n ? p + 1 : -1;
            prev[p] = p - 1;
        }

        var counts = new Dictionary<long, int>();           // pair → how many times it occurs now
        var places = new Dictionary<long, List<int>>();     // pair → positions where it has occurred (some stale)
        for (var p = 0; p + 1 < n; p++)
            Add(tok[p], tok[p + 1], p);

        var learned = new List<(int, int)>(vocabSize - ByteVocabSize);
        for (var id = ByteVocabSize; id < vocabSize; id++)
        {
            // the most frequent pair; at equal counts the smallest (left, right)
            var best = 0L;
            var bestCount = 0;
            foreach (var (key, count) in counts)
                if (count > bestCount || (count == bestCount && key < best))
                    (best, bestCount) = (key, count);
            if (bestCount == 0)
                throw OutOfPairs(id, vocabSize);
            var (a, b) = ((int)(best >> 32), (int)best);

            places.Remove(best, out var positions);
            foreach (var p in positions!)
            {
                var q = next[p];
                if (tok[p] != a || q < 0 || tok[q] != b)
                    continue;             // stale: an overlapping occurrence ("aaa") or an earlier merge used it
                var (x, y) = (prev[p], next[q]);
                Remove(a, b);
                if (x >= 0)
                {
                    Remove(tok[x], a);
                    Add(tok[x], id, x);
                }
                if (y >= 0)
                {
                    Remove(b, tok[y]);
                    Add(id, tok[y], p);
                }
                tok[p] = id;              // a b at p, q → the single token id at p
                tok[q] = -1;
                next[p] = y;
                if (y >= 0)
                    prev[y] = p;
            }
            learned.Add((a, b));
            onMerge?.Invoke(new BpeMerge(a, b, id), bestCount);
        }
        return new BpeTokenizer(learned);

        void Add(int left, int right, int position)
        {
            var key = PairKey(left, right);
            CollectionsMarshal.GetValueRefOrAddDefault(counts, key, out _)++;
            ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(places, key, out _);
            (list ??= []).Add(position);
        }

        void Remove(int left, int right)
        {
            var key = PairKey(left, right);
            ref var count = ref CollectionsMarshal.GetValueRefOrNullRef(counts, key);
            if (--count == 0)
                counts.Remove(key);
        }
    }

    /// <summary>
    /// minbpe's <c>train</c>, literally: recount all pairs, merge the most frequent (same tie rule as
    /// <see cref="Train(ReadOnlySpan{byte}, int, Action{BpeMerge, int})"/>), repeat. O(n) per merge; the reference the fast version is tested against.
    /// </summary>
    internal static BpeTokenizer TrainReference(string text, int vocabSize)
    {
        CheckVocabSize(vocabSize);
        var ids = new List<int>();
        foreach (var b in ToUtf8(text, "BpeTokenizer.TrainReference"))
            ids.Add(b);
        var learned = new List<(int, int)>();
        for (var id = ByteVocabSize; id < vocabSize; id++)
        {
            var counts = new Dictionary<long, int>();
            for (var i = 0; i + 1 < ids.Count; i++)
                CollectionsMarshal.GetValueRefOrAddDefault(counts, PairKey(ids[i], ids[i + 1]), out _)++;
            if (counts.Count == 0)
                throw OutOfPairs(id, vocabSize);
            var best = counts.MaxBy(entry => (entry.Value, -entry.Key)).Key;
            var (a, b) = ((int)(best >> 32), (int)best);
            ids = MergePair(ids, a, b, id);
            learned.Add((a, b));
        }
        return new BpeTokenizer(learned);
    }

    private static void CheckVocabSize(int vocabSize)
    {
        if (vocabSize < ByteVocabSize)
            throw new ArgumentOutOfRangeException(nameof(vocabSize), vocabSize,
                $"a byte-level BPE vocabulary has at least the {ByteVocabSize} byte tokens; ask for {ByteVocabSize} + the number of merges");
    }

    private static ArgumentException OutOfPairs(int id, int vocabSize) => new(
        $"BpeTokenizer.Train: after {id - ByteVocabSize} merges the text has no adjacent pair of tokens left to merge "
        + "(it is empty or has become a single token); "
        + $"a vocabulary of {vocabSize} needs a longer text", "text");
}
