using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Scratch.Gpt.Tokenizers;

public sealed partial class Gpt2Tokenizer
{
    /// <summary>
    /// GPT-2's tokenizer from the folder holding its two files, under Hugging Face's names or OpenAI's (the same
    /// bytes): <c>vocab.json</c> or <c>encoder.json</c>, a JSON object from each token (written with
    /// <see cref="BytesToUnicode"/>'s stand-ins, "Ġthe") to its id; and <c>merges.txt</c> or <c>vocab.bpe</c>,
    /// a line <c>#version: 0.2</c> and then one merge per line, two tokens and a space between them ("Ġ t"),
    /// the line order being the rank.
    /// </summary>
    /// <param name="dir">The folder, for example a download of Hugging Face's <c>gpt2</c> repository.</param>
    /// <param name="allowSpecial">Whether "&lt;|endoftext|&gt;" in the text encodes as the special token (see
    /// <see cref="AllowSpecial"/>).</param>
    /// <exception cref="DirectoryNotFoundException">No such folder.</exception>
    /// <exception cref="FileNotFoundException">One of the two files is missing (the message names it).</exception>
    /// <exception cref="InvalidDataException">A file is malformed or the two do not fit (the message names the
    /// file, and the line of a merge).</exception>
    public static Gpt2Tokenizer FromDirectory(string dir, bool allowSpecial = true)
    {
        ArgumentNullException.ThrowIfNull(dir);
        if (!Directory.Exists(dir))
            throw new DirectoryNotFoundException(
                $"GPT-2 vocabulary folder not found: {dir} (it should hold vocab.json + merges.txt, or encoder.json + vocab.bpe)");
        var vocabPath = FindFile(dir, "vocab.json", "encoder.json", "the tokens and their ids");
        var mergesPath = FindFile(dir, "merges.txt", "vocab.bpe", "the merges");
        var vocab = ReadVocab(vocabPath);
        var lines = File.ReadAllText(mergesPath).Split('\n');
        var merges = new List<(string, string)>(lines.Length);
        var lineOf = new List<int>(lines.Length);      // merge rank → its line number in the file
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');          // no token holds '\r' (it is written 'č')
            if (line.Length == 0 || (i == 0 && line.StartsWith("#version", StringComparison.Ordinal)))
                continue;
            merges.Add(ParseMerge(line, $"{mergesPath} line {i + 1}"));
            lineOf.Add(i + 1);
        }
        return new Gpt2Tokenizer(vocab, merges, k => $"{mergesPath} line {lineOf[k]}", vocabPath, allowSpecial);
    }

    /// <summary>
    /// Builds the tables and checks that the vocabulary and the merges are a byte-level BPE: ids 0 … N−1 each
    /// once; every token made of <see cref="BytesToUnicode"/>'s stand-ins; a token for each of the 256 bytes and
    /// for "&lt;|endoftext|&gt;"; every merge's two tokens and its result in the vocabulary, each result made by
    /// one merge only, and each of the two tokens a single byte or made by an earlier merge (true of every
    /// vocabulary BPE learned, and what <see cref="Bpe"/>'s priority queue relies on).
    /// </summary>
    private Gpt2Tokenizer(IReadOnlyDictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> mergeStrings,
        Func<int, string> whereMerge, string vocabSource, bool allowSpecial)
    {
        var n = vocab.Count;
        tokenStrings = new string[n];
        tokenBytes = new byte[n][];
        foreach (var (token, id) in vocab)
        {
            if ((uint)id >= (uint)n)
                throw Malformed($"{vocabSource}: token \"{Show(token)}\" has id {id}, but with {n} tokens the ids are 0 … {n - 1}");
            if (tokenStrings[id] is not null)
                throw Malformed($"{vocabSource}: id {id} is given to both \"{Show(tokenStrings[id])}\" and \"{Show(token)}\"");
            if (!BytesToUnicode.TryDecode(token, out tokenBytes[id], out var bad))
                throw Malformed($"{vocabSource}: token \"{Show(token)}\" (id {id}) holds '{token[bad]}' (U+{(int)token[bad]:X4}), "
                    + "which is not one of bytes_to_unicode's 256 stand-ins for bytes");
            tokenStrings[id] = token;
        }
        idOfByte = new int[256];
        for (var b = 0; b < 256; b++)
            if (!vocab.TryGetValue(BytesToUnicode.Char((byte)b).ToString(), out idOfByte[b]))
                throw Malformed($"{vocabSource} has no token for the byte 0x{b:X2} (written '{BytesToUnicode.Char((byte)b)}')");
        EndOfTextId = vocab.TryGetValue(EndOfText, out var eot) ? eot : throw Malformed($"{vocabSource} has no token \"{EndOfText}\"");

        merges = new (int, int)[mergeStrings.Count];
        mergedId = new int[mergeStrings.Count];
        rankOfPair = new Dictionary<long, int>(mergeStrings.Count, PairKeyComparer.Instance);
        var madeBy = new Dictionary<int, int>(mergeStrings.Count);      // token id → rank of the merge that makes it
        for (var k = 0; k < mergeStrings.Count; k++)
        {
            var (left, right) = mergeStrings[k];
            var leftId = IdOf(left, k);
            var rightId = IdOf(right, k);
            var merged = IdOf(left + right, k);
            foreach (var (part, partId) in new[] { (left, leftId), (right, rightId) })
                if (part.Length > 1 && !madeBy.ContainsKey(partId))
                    throw Malformed($"{whereMerge(k)}: \"{Show(part)}\" is made by no earlier merge "
                        + "(in a byte-level BPE each token is a byte or the result of an earlier merge)");
            if (!madeBy.TryAdd(merged, k))
                throw Malformed($"{whereMerge(k)}: \"{Show(left + right)}\" is already made by {whereMerge(madeBy[merged])}");
            merges[k] = (leftId, rightId);
            mergedId[k] = merged;
            rankOfPair.Add(PairKey(leftId, rightId), k);   // a repeated pair would repeat its result, caught above
        }
        AllowSpecial = allowSpecial;
        cache = new PieceCache();

        int IdOf(string token, int k) => vocab.TryGetValue(token, out var id) ? id
            : throw Malformed($"{whereMerge(k)}: \"{Show(token)}\" is not a token of {vocabSource}");
    }

    /// <summary>A copy sharing every table (and the cache, which does not depend on the rule) with another rule for the special token.</summary>
    private Gpt2Tokenizer(Gpt2Tokenizer other, bool allowSpecial)
    {
        (tokenStrings, tokenBytes, idOfByte, merges, mergedId, rankOfPair, cache, EndOfTextId) =
            (other.tokenStrings, other.tokenBytes, other.idOfByte, other.merges, other.mergedId, other.rankOfPair, other.cache, other.EndOfTextId);
        AllowSpecial = allowSpecial;
    }

    /// <summary>
    /// JSON that holds the whole vocabulary, so that a checkpoint needs no other file:
    /// <c>{"type":"gpt2","allow_special":true,"vocab":{"!":0,…},"merges":["Ġ t",…]}</c> — the two files'
    /// contents, as Hugging Face's <c>tokenizer.json</c> holds them (about 1.4 MB).
    /// </summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("type", TypeName);
            writer.WriteBoolean("allow_special", AllowSpecial);
            writer.WriteStartObject("vocab");
            for (var id = 0; id < tokenStrings.Length; id++)
                writer.WriteNumber(tokenStrings[id], id);
            writer.WriteEndObject();
            writer.WriteStartArray("merges");
            foreach (var (left, right) in merges)
                writer.WriteStringValue($"{tokenStrings[left]} {tokenStrings[right]}");
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <inheritdoc/>
    public void Save(string path) => File.WriteAllText(path, ToJson());

    /// <summary>Reads a tokenizer written by <see cref="ToJson"/>.</summary>
    /// <exception cref="InvalidDataException">The JSON is not a valid GPT-2 tokenizer.</exception>
    public static Gpt2Tokenizer FromJson(string json) =>
        ITokenizer.FromJson(json) as Gpt2Tokenizer
        ?? throw new InvalidDataException($"the JSON holds a tokenizer of another type, not \"{TypeName}\"");

    internal static Gpt2Tokenizer FromJsonElement(JsonElement root)
    {
        const string where = "gpt2 tokenizer JSON";
        var allowSpecial = true;
        if (root.TryGetProperty("allow_special", out var allow))
            allowSpecial = allow.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Malformed($"{where}: \"allow_special\" must be true or false"),
            };
        if (!root.TryGetProperty("vocab", out var vocab) || vocab.ValueKind != JsonValueKind.Object)
            throw Malformed($"{where} needs an object field \"vocab\" (token → id)");
        if (!root.TryGetProperty("merges", out var list) || list.ValueKind != JsonValueKind.Array)
            throw Malformed($"{where} needs an array field \"merges\" (\"left right\" strings)");
        var merges = new List<(string, string)>(list.GetArrayLength());
        foreach (var entry in list.EnumerateArray())
        {
            var at = $"{where}: merges[{merges.Count}]";
            merges.Add(entry.ValueKind == JsonValueKind.String ? ParseMerge(entry.GetString()!, at)
                : throw Malformed($"{at} must be a string \"left right\""));
        }
        return new Gpt2Tokenizer(ReadVocab(vocab, $"the vocab of the {where}"), merges, k => $"{where}: merges[{k}]",
            $"the vocab of the {where}", allowSpecial);
    }

    private static string FindFile(string dir, string huggingFaceName, string openAiName, string holding)
    {
        foreach (var name in new[] { huggingFaceName, openAiName })
            if (File.Exists(Path.Combine(dir, name)))
                return Path.Combine(dir, name);
        var path = Path.Combine(dir, huggingFaceName);
        throw new FileNotFoundException(
            $"GPT-2 vocabulary file not found: {path} (or {openAiName}, OpenAI's name for it), which holds {holding}", path);
    }

    /// <summary>vocab.json / encoder.json: a JSON object, token → id.</summary>
    private static Dictionary<string, int> ReadVocab(string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw Malformed($"{path} is not valid JSON: {e.Message}");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw Malformed($"{path} should be a JSON object from each token to its id, not a {document.RootElement.ValueKind}");
            return ReadVocab(document.RootElement, path);
        }
    }

    private static Dictionary<string, int> ReadVocab(JsonElement tokens, string source)
    {
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var token in tokens.EnumerateObject())
        {
            if (token.Value.ValueKind != JsonValueKind.Number || !token.Value.TryGetInt32(out var id))
                throw Malformed($"{source}: the id of token \"{Show(token.Name)}\" is {token.Value.GetRawText()}, not an integer");
            if (!vocab.TryAdd(token.Name, id))
                throw Malformed($"{source}: token \"{Show(token.Name)}\" appears twice");
        }
        return vocab;
    }

    /// <summary>One merge, "Ġ t": two tokens separated by one space (no token holds a space: it is written 'Ġ').</summary>
    private static (string Left, string Right) ParseMerge(string line, string where)
    {
        var space = line.IndexOf(' ');
        if (space <= 0 || space == line.Length - 1 || line.IndexOf(' ', space + 1) >= 0)
            throw Malformed($"{where}: expected two tokens separated by one space, found \"{Show(line)}\"");
        return (line[..space], line[(space + 1)..]);
    }

    /// <summary>A token or line for an error message: control characters escaped, at most 40 characters.</summary>
    private static string Show(string text)
    {
        var shown = string.Concat(text.EnumerateRunes().Select(Characters.Escape));
        return shown.Length <= 40 ? shown : shown[..40] + "…";
    }

    private static InvalidDataException Malformed(string message) => new(message);
}
