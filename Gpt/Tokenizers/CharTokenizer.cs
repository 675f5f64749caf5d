using System.Text;
using System.Text.Json;

namespace Scratch.Gpt.Tokenizers;

/// <summary>
/// The character-level tokenizer of nanoGPT's Shakespeare example: one token per character, the
/// vocabulary being the distinct characters of the corpus sorted in code-point order (Shakespeare has
/// 65: '\n', ' ', '!', …, 'z').
/// <para>
/// A "character" here is a Unicode scalar value (a <see cref="Rune"/>), not a UTF-16 <c>char</c>: an
/// emoji such as 😀 (U+1F600, two chars in a C# string) is one token, and the vocabulary is sorted
/// by scalar value. Positions in error messages are UTF-16 indices into the string, the indices
/// <c>string.Substring</c> uses. Text holding an unpaired surrogate (legal in a C# string, but not a
/// character) is rejected, both when building the vocabulary and when encoding.
/// </para>
/// </summary>
public sealed class CharTokenizer : ITokenizer
{
    /// <summary>The value of the JSON <c>"type"</c> field.</summary>
    public const string TypeName = "char";

    private readonly Rune[] vocab;                 // id → character
    private readonly Dictionary<int, int> idOf;    // scalar value → id

    /// <summary>A tokenizer over exactly these characters; token i is <c>vocab[i]</c>.</summary>
    /// <exception cref="ArgumentException">The vocabulary is empty or repeats a character.</exception>
    public CharTokenizer(IEnumerable<Rune> vocab)
    {
        this.vocab = [.. vocab];
        if (this.vocab.Length == 0)
            throw new ArgumentException("a character vocabulary needs at least one character", nameof(vocab));
        idOf = new Dictionary<int, int>(this.vocab.Length);
        for (var i = 0; i < this.vocab.Length; i++)
        {
            if (!idOf.TryAdd(this.vocab[i].Value, i))
                throw new ArgumentException(
                    $"the character {Characters.Describe(this.vocab[i])} appears twice in the vocabulary (ids {idOf[this.vocab[i].Value]} and {i})",
                    nameof(vocab));
        }
    }

    /// <summary>
    /// The tokenizer whose vocabulary is every distinct character of <paramref name="corpus"/>, sorted
    /// by code point (nanoGPT: <c>chars = sorted(list(set(data)))</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The corpus is empty or holds an unpaired surrogate.</exception>
    public static CharTokenizer FromText(string corpus)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        if (corpus.Length == 0)
            throw new ArgumentException("cannot build a character vocabulary from an empty corpus", nameof(corpus));
        var seen = new HashSet<int>();
        for (var i = 0; i < corpus.Length;)
        {
            var rune = Characters.RuneAt(corpus, i, "CharTokenizer.FromText", out var length);
            seen.Add(rune.Value);
            i += length;
        }
        var sorted = seen.ToArray();
        Array.Sort(sorted);
        return new CharTokenizer(sorted.Select(v => new Rune(v)));
    }

    /// <inheritdoc/>
    public int VocabSize => vocab.Length;

    /// <summary>The characters of the vocabulary, in id order: token i is <c>Vocab[i]</c>.</summary>
    public IReadOnlyList<Rune> Vocab => vocab;

    /// <summary>One id per character of <paramref name="text"/>.</summary>
    /// <exception cref="ArgumentException">A character is not in the vocabulary, or the text holds an
    /// unpaired surrogate; the message names it (quoted, with its U+XXXX code) and its position.</exception>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length);
        for (var i = 0; i < text.Length;)
        {
            var rune = Characters.RuneAt(text, i, "CharTokenizer.Encode", out var length);
            if (!idOf.TryGetValue(rune.Value, out var id))
                throw new ArgumentException(
                    $"CharTokenizer.Encode: the character {Characters.Describe(rune)} at position {i} is not in the vocabulary of {VocabSize} characters",
                    nameof(text));
            ids.Add(id);
            i += length;
        }
        return [.. ids];
    }

    /// <inheritdoc/>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var text = new StringBuilder(ids.Length);
        for (var i = 0; i < ids.Length; i++)
        {
            var id = ids[i];
            if ((uint)id >= (uint)vocab.Length)
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"token id at position {i} is outside [0, {vocab.Length})");
            text.Append(vocab[id]);
        }
        return text.ToString();
    }

    /// <inheritdoc/>
    public string Decode(IReadOnlyList<int> ids) => Decode([.. ids]);

    /// <summary>The text of one token: its character.</summary>
    public string TokenText(int id) => Decode([id]);

    /// <summary>JSON: <c>{"type":"char","vocab":["\n"," ","!",…]}</c>, one string per character, in id order.</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false }))
        {
            writer.WriteStartObject();
            writer.WriteString("type", TypeName);
            writer.WriteStartArray("vocab");
            foreach (var rune in vocab)
                writer.WriteStringValue(rune.ToString());
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <inheritdoc/>
    public void Save(string path) => File.WriteAllText(path, ToJson());

    /// <summary>Reads a tokenizer written by <see cref="ToJson"/>.</summary>
    /// <exception cref="InvalidDataException">The JSON is not a character tokenizer.</exception>
    public static CharTokenizer FromJson(string json) =>
        ITokenizer.FromJson(json) as CharTokenizer
        ?? throw new InvalidDataException($"the JSON holds a tokenizer of another type, not \"{TypeName}\"");

    internal static CharTokenizer FromJsonElement(JsonElement root)
    {
        if (!root.TryGetProperty("vocab", out var vocab) || vocab.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException("char tokenizer JSON needs an array field \"vocab\"");
        var runes = new List<Rune>();
        var index = 0;
        foreach (var entry in vocab.EnumerateArray())
        {
            var text = entry.ValueKind == JsonValueKind.String ? entry.GetString()! : "";
            if (Rune.DecodeFromUtf16(text, out var rune, out var length) != System.Buffers.OperationStatus.Done
                || length != text.Length)
                throw new InvalidDataException($"char tokenizer JSON: vocab[{index}] must be a string of exactly one character");
            runes.Add(rune);
            index++;
        }
        try
        {
            return new CharTokenizer(runes);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"char tokenizer JSON: {e.Message}", e);
        }
    }
}
