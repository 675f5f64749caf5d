using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Scratch.Gpt.Tokenizers;

/// <summary>
/// Byte-level byte-pair encoding, as in GPT-2 and Karpathy's minbpe (its <c>BasicTokenizer</c>: no regex
/// pre-split, so a merge may cross a word boundary and learn tokens such as "e t").
/// <para>
/// Text is first written as UTF-8 bytes, and the 256 byte values are the first 256 tokens: any text
/// has a tokenization, Chinese and emoji included. Training (<see cref="Train(ReadOnlySpan{byte}, int, Action{BpeMerge, int})"/>) then repeatedly
/// replaces the most frequent adjacent pair of tokens by a new token, recording each such
/// <see cref="BpeMerge"/> in order. Encoding applies the merges by rank, lowest first; decoding
/// concatenates each token's bytes and reads them as UTF-8.
/// </para>
/// <para>
/// Round trip: <c>Decode(Encode(s)) == s</c> for every well-formed string. A C# string may hold an
/// unpaired UTF-16 surrogate, which is not a character and has no UTF-8 encoding; <see cref="Encode(string)"/>
/// rejects it with an error naming it and its position rather than silently changing the text. The
/// other direction cannot always succeed: an arbitrary id sequence (a model's sample, say) may end in
/// the middle of a character, so <see cref="Decode(ReadOnlySpan{int})"/> writes U+FFFD � for bytes
/// that are not valid UTF-8, as GPT-2 does (<c>errors="replace"</c>).
/// </para>
/// </summary>
public sealed partial class BpeTokenizer : ITokenizer
{
    /// <summary>The value of the JSON <c>"type"</c> field.</summary>
    public const string TypeName = "bpe";

    /// <summary>The number of base tokens: one per byte value, ids 0 to 255.</summary>
    public const int ByteVocabSize = 256;

    private readonly BpeMerge[] merges;              // rank → merge
    private readonly Dictionary<long, int> idOfPair; // (left, right) → merged id
    private readonly byte[][] tokenBytes;            // id → the bytes it stands for

    /// <summary>
    /// A tokenizer with these merges, in rank order: the k-th pair (left, right) becomes token 256 + k.
    /// An empty list gives the plain byte tokenizer (vocabulary 256).
    /// </summary>
    /// <exception cref="ArgumentException">A pair names a token that does not exist yet (an id not below
    /// 256 + k), or a pair is merged twice.</exception>
    public BpeTokenizer(IEnumerable<(int Left, int Right)> merges)
    {
        var pairs = merges.ToArray();
        this.merges = new BpeMerge[pairs.Length];
        idOfPair = new Dictionary<long, int>(pairs.Length);
        tokenBytes = new byte[ByteVocabSize + pairs.Length][];
        for (var b = 0; b < ByteVocabSize; b++)
            tokenBytes[b] = [(byte)b];
        for (var k = 0; k < pairs.Length; k++)
        {
            var (left, right) = pairs[k];
            var id = ByteVocabSize + k;
            if ((uint)left >= (uint)id || (uint)right >= (uint)id)
                throw new ArgumentException(
                    $"merge {k} ({left}, {right}) uses a token that does not exist yet: ids must be in [0, {id})", nameof(merges));
            if (!idOfPair.TryAdd(PairKey(left, right), id))
                throw new ArgumentException($"merge {k} ({left}, {right}) repeats merge {idOfPair[PairKey(left, right)] - ByteVocabSize}", nameof(merges));
            this.merges[k] = new BpeMerge(left, right, id);
            tokenBytes[id] = [.. tokenBytes[left], .. tokenBytes[right]];
        }
    }

    /// <summary>256 + the number of merges.</summary>
    public int VocabSize => tokenBytes.Length;

    /// <summary>The merges in the order they were learned (and are applied): <c>Merges[k].Id == 256 + k</c>.</summary>
    public IReadOnlyList<BpeMerge> Merges => merges;

    /// <summary>The bytes token <paramref name="id"/> stands for (one byte for ids below 256).</summary>
    public ReadOnlySpan<byte> TokenBytes(int id) => ByteTokens.Lookup(tokenBytes, id);

    /// <summary>
    /// A token's bytes as printable text, for looking at what BPE learned: valid UTF-8 is shown as its
    /// characters, with control characters escaped (<c>\n</c>, <c>\u0000</c>), and bytes that are not a
    /// whole character (part of a multi-byte character) as <c>\xNN</c>. Token 104 shows as <c>h</c>,
    /// a merge of "t" and "h" as <c>th</c>, the first byte of "é" as <c>\xC3</c>.
    /// </summary>
    public string TokenText(int id) => Characters.EscapeBytes(TokenBytes(id));

    /// <summary>
    /// The tokens of <paramref name="text"/>: its UTF-8 bytes, then every merge applied in rank order
    /// (lowest first), each one left to right, exactly as minbpe's <c>encode</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The text holds an unpaired surrogate (named, with its position).</exception>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Encode(ToUtf8(text, "BpeTokenizer.Encode"));
    }

    /// <summary>
    /// The tokens of any bytes, UTF-8 or not (Latin-1 text, a binary file): the bytes, then the merges as in
    /// <see cref="Encode(string)"/>. <see cref="DecodeBytes"/> gives the same bytes back.
    /// </summary>
    public int[] Encode(ReadOnlySpan<byte> bytes)
    {
        var ids = new int[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
            ids[i] = bytes[i];
        return ApplyMerges(ids);
    }

    /// <summary>The bytes of a sequence of tokens, concatenated (for streaming output through a UTF-8 decoder).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside [0, VocabSize).</exception>
    public byte[] DecodeBytes(ReadOnlySpan<int> ids) => ByteTokens.Join(tokenBytes, ids);

    /// <summary>The text of a sequence of tokens: their bytes read as UTF-8, with U+FFFD for invalid bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside [0, VocabSize).</exception>
    public string Decode(ReadOnlySpan<int> ids) => Encoding.UTF8.GetString(DecodeBytes(ids));

    /// <inheritdoc cref="Decode(ReadOnlySpan{int})"/>
    public string Decode(IReadOnlyList<int> ids) => Decode([.. ids]);

    /// <summary>
    /// JSON: <c>{"type":"bpe","vocab_size":N,"merges":[[a,b],…]}</c>, the merges in rank order (the
    /// vocabulary itself follows from them).
    /// </summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("type", TypeName);
            writer.WriteNumber("vocab_size", VocabSize);
            writer.WriteStartArray("merges");
            foreach (var merge in merges)
            {
                writer.WriteStartArray();
                writer.WriteNumberValue(merge.Left);
                writer.WriteNumberValue(merge.Right);
                writer.WriteEndArray();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <inheritdoc/>
    public void Save(string path) => File.WriteAllText(path, ToJson());

    /// <summary>Reads a tokenizer written by <see cref="ToJson"/>.</summary>
    /// <exception cref="InvalidDataException">The JSON is not a valid BPE tokenizer.</exception>
    public static BpeTokenizer FromJson(string json) =>
        ITokenizer.FromJson(json) as BpeTokenizer
        ?? throw new InvalidDataException($"the JSON holds a tokenizer of another type, not \"{TypeName}\"");

    internal static BpeTokenizer FromJsonElement(JsonElement root)
    {
        if (!root.TryGetProperty("merges", out var list) || list.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException("bpe tokenizer JSON needs an array field \"merges\"");
        var pairs = new List<(int, int)>();
        foreach (var pair in list.EnumerateArray())
        {
            if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2
                || !pair[0].TryGetInt32(out var left) || !pair[1].TryGetInt32(out var right))
                throw new InvalidDataException($"bpe tokenizer JSON: merges[{pairs.Count}] must be a pair of integers [left, right]");
            pairs.Add((left, right));
        }
        BpeTokenizer tokenizer;
        try
        {
            tokenizer = new BpeTokenizer(pairs);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"bpe tokenizer JSON: {e.Message}", e);
        }
        if (root.TryGetProperty("vocab_size", out var size) && (!size.TryGetInt32(out var n) || n != tokenizer.VocabSize))
            throw new InvalidDataException(
                $"bpe tokenizer JSON: vocab_size is {size.GetRawText()} but {pairs.Count} merges give {tokenizer.VocabSize}");
        return tokenizer;
    }

    /// <summary>
    /// Applies the merges to byte tokens. Same result as minbpe's loop (find the lowest-ranked pair present,
    /// merge all its occurrences left to right, repeat) but without rescanning the text per merge: the
    /// tokens form a linked list and every mergeable adjacent pair waits in a priority queue ordered by
    /// (rank, position). A merge of rank r only creates pairs of higher rank, so the queue pops each
    /// rank's occurrences left to right, as minbpe's pass does. Entries made stale by an earlier merge
    /// are skipped when popped. O(n log n) for n bytes.
    /// </summary>
    private int[] ApplyMerges(int[] ids)
    {
        var n = ids.Length;
        if (n < 2 || merges.Length == 0)
            return ids;
        var tok = ids;                    // tok[p]: the token starting at node p, or −1 once merged away
        var next = new int[n];
        var prev = new int[n];
        for (var p = 0; p < n; p++)
        {
            next[p] = p + 1 < n ? p + 1 : -1;
            prev[p] = p - 1;
        }
        var queue = new PriorityQueue<int, long>();   // node p, priority (merged id, p)
        for (var p = 0; p + 1 < n; p++)
            Offer(p, tok[p], tok[p + 1]);
        while (queue.TryDequeue(out var p, out var priority))
        {
            var merge = merges[(int)(priority >> 32) - ByteVocabSize];
            var q = next[p];
            if (tok[p] != merge.Left || q < 0 || tok[q] != merge.Right)
                continue;                 // stale: a lower-ranked merge already used one of these tokens
            tok[p] = merge.Id;            // the pair (left, right) at p, q becomes one token at p
            tok[q] = -1;
            next[p] = next[q];
            if (next[q] >= 0)
                prev[next[q]] = p;
            if (prev[p] >= 0)
                Offer(prev[p], tok[prev[p]], merge.Id);
            if (next[p] >= 0)
                Offer(p, merge.Id, tok[next[p]]);
        }
        var result = new List<int>(n);
        for (var p = 0; p >= 0; p = next[p])
            result.Add(tok[p]);
        return [.. result];

        void Offer(int p, int left, int right)
        {
            if (idOfPair.TryGetValue(PairKey(left, right), out var id))
                queue.Enqueue(p, ((long)id << 32) | (uint)p);
        }
    }

    /// <summary>minbpe's encode, literally: the reference <see cref="ApplyMerges"/> is tested against.</summary>
    internal int[] EncodeReference(string text)
    {
        var bytes = ToUtf8(text, "BpeTokenizer.EncodeReference");
        var ids = new List<int>(bytes.Length);
        foreach (var b in bytes)
            ids.Add(b);
        while (ids.Count >= 2)
        {
            // the pair of lowest rank (smallest merged id) present in the text
            var best = -1;
            for (var i = 0; i + 1 < ids.Count; i++)
                if (idOfPair.TryGetValue(PairKey(ids[i], ids[i + 1]), out var id) && (best < 0 || id < best))
                    best = id;
            if (best < 0)
                break;                    // nothing else can be merged
            var merge = merges[best - ByteVocabSize];
            ids = MergePair(ids, merge.Left, merge.Right, merge.Id);
        }
        return [.. ids];
    }

    /// <summary>minbpe's <c>merge</c>: a left-to-right pass replacing each (left, right) by <paramref name="id"/>.</summary>
    internal static List<int> MergePair(List<int> ids, int left, int right, int id)
    {
        var merged = new List<int>(ids.Count);
        for (var i = 0; i < ids.Count; i++)
        {
            if (i + 1 < ids.Count && ids[i] == left && ids[i + 1] == right)
            {
                merged.Add(id);
                i++;
            }
            else
            {
                merged.Add(ids[i]);
            }
        }
        return merged;
    }

    /// <summary>One 64-bit key per pair; comparing keys compares (left, right) lexicographically.</summary>
    internal static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>UTF-8 bytes of the text; an unpaired surrogate is an error naming it and its position.</summary>
    internal static byte[] ToUtf8(string text, string who)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(text)];
        var status = Utf8.FromUtf16(text, bytes, out var charsRead, out var written, replaceInvalidSequences: false);
        if (status != OperationStatus.Done)
            throw new ArgumentException(
                $"{who}: the text holds an {Characters.DescribeSurrogate(text[charsRead])} at position {charsRead}; "
                + "UTF-8 cannot encode a lone surrogate (it is half of a UTF-16 pair, not a character)", nameof(text));
        return written == bytes.Length ? bytes : bytes[..written];
    }
}
