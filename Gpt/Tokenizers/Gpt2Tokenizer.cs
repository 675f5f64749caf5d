using System.Collections.Concurrent;
using System.Text;

namespace Scratch.Gpt.Tokenizers;

/// <summary>
/// GPT-2's tokenizer, exactly as OpenAI's <c>encoder.py</c> (and tiktoken's <c>gpt2</c>, and Hugging Face's
/// <c>GPT2Tokenizer</c>): byte-level BPE over the 50,257-token vocabulary of <c>encoder.json</c> / <c>vocab.json</c>
/// with the 50,000 merges of <c>vocab.bpe</c> / <c>merges.txt</c> (<see cref="FromDirectory"/>).
/// <code>
/// Encode(text):
///   1. cut the text at "&lt;|endoftext|&gt;", which becomes id 50256 (if <see cref="AllowSpecial"/>)
///   2. cut each stretch between into pieces with OpenAI's pattern (<see cref="Gpt2PreTokenizer"/>):
///      "Hello world" → "Hello", " world"
///   3. for each piece (remembered in a cache, as encoder.py's <c>self.cache</c>):
///        its UTF-8 bytes, each byte a token          " world" → " ", "w", "o", "r", "l", "d"
///        repeat: of the adjacent pairs, take the one whose merge has the lowest rank (the earliest line of
///        vocab.bpe); merge all its occurrences, left to right; until no adjacent pair has a merge
///          rank  10: " w" "o" "r" "l" "d"     rank  17: " w" "or" "l" "d"     rank 79: " w" "or" "ld"
///          rank 220: " wor" "ld"              rank 739: " world"              → id 995
/// Decode(ids): the tokens' bytes, concatenated, read as UTF-8 (a bad byte becomes U+FFFD, errors="replace").
/// </code>
/// <para>
/// Compared with <see cref="BpeTokenizer"/> (minbpe's <c>BasicTokenizer</c>) the merging is the same, but the
/// pieces of step 2 keep merges inside words, and the 256 byte tokens are numbered in the order of
/// <see cref="BytesToUnicode"/>'s stand-in characters ("!" is 0, not 33). In GPT-2's files merge k creates
/// token 256 + k, as in <see cref="BpeTokenizer"/>; here every id comes from the vocabulary file.
/// </para>
/// <para>
/// <b>Round trip.</b> <c>Decode(Encode(s)) == s</c> for every well-formed string. A lone UTF-16 surrogate has
/// no UTF-8 bytes: <see cref="Encode"/> rejects it with an error naming its position, as encoder.py fails on
/// it (UnicodeEncodeError). tiktoken instead replaces it with U+FFFD first, which does not round-trip.
/// </para>
/// <para>
/// <b>The special token.</b> With <see cref="AllowSpecial"/> (the default, as Hugging Face's GPT-2 tokenizer)
/// "&lt;|endoftext|&gt;" in the text is the single token 50256, so a corpus can separate documents with it.
/// Without, text holding it is an error, as tiktoken's default (<c>disallowed_special="all"</c>): text from a
/// user cannot smuggle in a document boundary. <see cref="EncodeOrdinary"/> always encodes it as plain text
/// ("&lt;", "|", "end", "of", "text", "|", "&gt;"), as encoder.py and tiktoken's <c>encode_ordinary</c> do.
/// </para>
/// </summary>
public sealed partial class Gpt2Tokenizer : ITokenizer
{
    /// <summary>The value of the JSON <c>"type"</c> field.</summary>
    public const string TypeName = "gpt2";

    /// <summary>The special token that ends a document in GPT-2's training data.</summary>
    public const string EndOfText = "<|endoftext|>";

    /// <summary>How many pieces the cache remembers; past that, new pieces are merged every time.</summary>
    public const int CacheCapacity = 100_000;

    private readonly string[] tokenStrings;           // id → the token as the files write it ("Ġthe")
    private readonly byte[][] tokenBytes;             // id → its bytes (" the")
    private readonly int[] idOfByte;                  // byte → the id of its one-byte token
    private readonly (int Left, int Right)[] merges;  // rank → the pair it merges
    private readonly int[] mergedId;                  // rank → the id of the merged token
    private readonly Dictionary<long, int> rankOfPair;
    private readonly PieceCache cache;                // piece → its ids (encoder.py's self.cache)

    /// <summary>The number of tokens: 50,257 for GPT-2 (256 bytes, 50,000 merges, "&lt;|endoftext|&gt;").</summary>
    public int VocabSize => tokenStrings.Length;

    /// <summary>The id of "&lt;|endoftext|&gt;": 50256.</summary>
    public int EndOfTextId { get; }

    /// <summary>Whether "&lt;|endoftext|&gt;" in the text is the special token (true) or an error (false).</summary>
    public bool AllowSpecial { get; }

    /// <summary>The merges in rank order, as token ids: rank k merges <c>Merges[k]</c>.</summary>
    public IReadOnlyList<(int Left, int Right)> Merges => merges;

    /// <summary>The same vocabulary and merges, with the other rule for "&lt;|endoftext|&gt;".</summary>
    public Gpt2Tokenizer WithAllowSpecial(bool allowSpecial) => new(this, allowSpecial);

    /// <summary>
    /// The token ids of <paramref name="text"/>: "&lt;|endoftext|&gt;" as <see cref="EndOfTextId"/> (see
    /// <see cref="AllowSpecial"/>), the rest as <see cref="EncodeOrdinary"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The text holds a lone surrogate, or "&lt;|endoftext|&gt;" while
    /// <see cref="AllowSpecial"/> is false (the message names the position).</exception>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Characters.CheckWellFormed(text, "Gpt2Tokenizer.Encode");
        var ids = new List<int>(text.Length / 3);
        var start = 0;
        for (var at = text.IndexOf(EndOfText, StringComparison.Ordinal); at >= 0;
             at = text.IndexOf(EndOfText, start, StringComparison.Ordinal))
        {
            if (!AllowSpecial)
                throw new ArgumentException(
                    $"Gpt2Tokenizer.Encode: the text holds the special token {EndOfText} at position {at}, which this tokenizer "
                    + "does not allow (AllowSpecial is false); encode it as plain text with EncodeOrdinary, or allow it", nameof(text));
            AppendPieces(text.AsSpan(start, at - start), ids);
            ids.Add(EndOfTextId);
            start = at + EndOfText.Length;
        }
        AppendPieces(text.AsSpan(start), ids);
        return [.. ids];
    }

    /// <summary>
    /// The token ids of <paramref name="text"/> as plain text, "&lt;|endoftext|&gt;" included (encoder.py's
    /// <c>encode</c>, tiktoken's <c>encode_ordinary</c>): pre-tokenize, then BPE each piece.
    /// </summary>
    /// <exception cref="ArgumentException">The text holds a lone surrogate (named, with its position).</exception>
    public int[] EncodeOrdinary(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Characters.CheckWellFormed(text, "Gpt2Tokenizer.EncodeOrdinary");
        var ids = new List<int>(text.Length / 3);
        AppendPieces(text, ids);
        return [.. ids];
    }

    /// <summary>Steps 2 and 3: the pieces of a well-formed text, each merged (or taken from the cache).</summary>
    private void AppendPieces(ReadOnlySpan<char> text, List<int> ids)
    {
        for (var start = 0; start < text.Length;)
        {
            var end = Gpt2PreTokenizer.PieceEnd(text, start);
            var piece = text[start..end];
            if (!cache.TryGet(piece, out var pieceIds))
            {
                pieceIds = Bpe(piece);
                cache.Add(piece, pieceIds);
            }
            ids.AddRange(pieceIds);
            start = end;
        }
    }

    /// <summary>The ids of pieces seen before, safe to share between threads; it stops growing at <see cref="CacheCapacity"/> pieces.</summary>
    private sealed class PieceCache
    {
        private readonly ConcurrentDictionary<string, int[]> ids = new(StringComparer.Ordinal);
        private int count;                // ids.Count, without asking it: that takes every lock (4× slower encoding)

        public bool TryGet(ReadOnlySpan<char> piece, out int[] pieceIds) =>
            ids.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(piece, out pieceIds!);

        public void Add(ReadOnlySpan<char> piece, int[] pieceIds)
        {
            if (Volatile.Read(ref count) < CacheCapacity && ids.GetAlternateLookup<ReadOnlySpan<char>>().TryAdd(piece, pieceIds))
                Interlocked.Increment(ref count);
        }
    }

    /// <summary>
    /// Step 3 for one piece: its bytes as one-byte tokens, then the merges by rank (encoder.py's <c>bpe</c>).
    /// <para>
    /// Done without rescanning the piece for every merge: the tokens form a linked list, and every adjacent pair
    /// that has a merge waits in a priority queue ordered by (rank, position). A merge of rank r only creates pairs
    /// of higher rank (every merge's two tokens were made by earlier merges, which loading checks), so the queue
    /// gives each rank's occurrences left to right, exactly as encoder.py's pass over the word does. Entries
    /// made stale by an earlier merge are skipped when they come out. O(n log n) for n bytes, where encoder.py
    /// is O(n²): that matters for long pieces (a paragraph of Chinese without punctuation is one piece of letters).
    /// <see cref="BpeReference"/> is encoder.py's loop, literally; a test holds the two equal.
    /// </para>
    /// </summary>
    private int[] Bpe(ReadOnlySpan<char> piece)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(piece)];
        var n = Encoding.UTF8.GetBytes(piece, bytes);
        var tok = new int[n];             // tok[p]: the token starting at node p, or −1 once merged away
        var next = new int[n];
        var prev = new int[n];
        for (var p = 0; p < n; p++)
        {
            tok[p] = idOfByte[bytes[p]];
            next[p] = p + 1 < n ? p + 1 : -1;
            prev[p] = p - 1;
        }
        if (n == 1)
            return tok;

        var queue = new PriorityQueue<int, long>();   // node p, priority (rank, p)
        for (var p = 0; p + 1 < n; p++)
            Offer(p, tok[p], tok[p + 1]);
        while (queue.TryDequeue(out var p, out var priority))
        {
            var rank = (int)(priority >> 32);
            var (left, right) = merges[rank];
            var q = next[p];
            if (tok[p] != left || q < 0 || tok[q] != right)
                continue;                 // stale: a lower-ranked merge already used one of these tokens
            tok[p] = mergedId[rank];      // the pair (left, right) at p, q becomes one token at p
            tok[q] = -1;
            next[p] = next[q];
            if (next[q] >= 0)
                prev[next[q]] = p;
            if (prev[p] >= 0)
                Offer(prev[p], tok[prev[p]], tok[p]);
            if (next[p] >= 0)
                Offer(p, tok[p], tok[next[p]]);
        }
        var result = new List<int>(n);
        for (var p = 0; p >= 0; p = next[p])
            result.Add(tok[p]);
        return [.. result];

        void Offer(int p, int left, int right)
        {
            if (rankOfPair.TryGetValue(PairKey(left, right), out var rank))
                queue.Enqueue(p, ((long)rank << 32) | (uint)p);
        }
    }

    /// <summary>The bytes of a sequence of tokens, concatenated (for streaming output through a UTF-8 decoder).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside [0, VocabSize).</exception>
    public byte[] DecodeBytes(ReadOnlySpan<int> ids) => ByteTokens.Join(tokenBytes, ids);

    /// <summary>The text of a sequence of tokens: their bytes read as UTF-8, with U+FFFD for invalid bytes
    /// (encoder.py: <c>errors="replace"</c>); 50256 gives "&lt;|endoftext|&gt;".</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside [0, VocabSize).</exception>
    public string Decode(ReadOnlySpan<int> ids) => Encoding.UTF8.GetString(DecodeBytes(ids));

    /// <inheritdoc cref="Decode(ReadOnlySpan{int})"/>
    public string Decode(IReadOnlyList<int> ids) => Decode([.. ids]);

    /// <summary>The bytes token <paramref name="id"/> stands for: 995 → " world"u8.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside [0, VocabSize).</exception>
    public ReadOnlySpan<byte> TokenBytes(int id) => ByteTokens.Lookup(tokenBytes, id);

    /// <summary>
    /// A token's bytes as printable text: whole UTF-8 characters as themselves (control characters escaped,
    /// <c>\n</c>), bytes that are only part of a character as <c>\xNN</c>. 995 → " world", 198 → "\n",
    /// 447 → "\xE2\x80" (the first two of the three bytes of ’).
    /// </summary>
    public string TokenText(int id) => Characters.EscapeBytes(TokenBytes(id));

    /// <summary>The token as GPT-2's files write it, with <see cref="BytesToUnicode"/>'s stand-ins: 995 → "Ġworld".</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside [0, VocabSize).</exception>
    public string VocabEntry(int id)
    {
        ByteTokens.CheckId(tokenBytes, id, 0);
        return tokenStrings[id];
    }

    /// <summary>A 64-bit key for the pair (left, right).</summary>
    private static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>
    /// Hashes pair keys well: <c>long.GetHashCode</c> is left XOR right, which gives GPT-2's 50,000 pairs only 16,487
    /// distinct hash codes (244 of them 0, the pairs of a token with itself), so lookups walk long chains of
    /// colliding keys. Multiplying by 2⁶⁴/φ and keeping the high bits spreads them (Fibonacci hashing), and halves
    /// the time of a first encoding of Shakespeare (benchmarks/README.md).
    /// </summary>
    private sealed class PairKeyComparer : IEqualityComparer<long>
    {
        public static readonly PairKeyComparer Instance = new();

        public bool Equals(long x, long y) => x == y;

        public int GetHashCode(long key) => (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> 32);
    }
}
