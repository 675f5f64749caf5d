using System.Text.Json;

namespace Scratch.Gpt.Tokenizers;

/// <summary>
/// Turns text into token ids (integers in [0, <see cref="VocabSize"/>)) and back. A model only ever
/// sees the ids; the tokenizer is the dictionary between them and text. The three kinds in Scratch,
/// <see cref="CharTokenizer"/>, <see cref="BpeTokenizer"/> (trained on a corpus) and <see cref="Gpt2Tokenizer"/>
/// (GPT-2's own vocabulary), round-trip every text they accept: <c>Decode(Encode(s)) == s</c>.
/// </summary>
public interface ITokenizer
{
    /// <summary>How many distinct token ids there are; every id is in [0, VocabSize).</summary>
    int VocabSize { get; }

    /// <summary>The token ids of <paramref name="text"/>.</summary>
    /// <exception cref="ArgumentException">The text holds something the tokenizer cannot represent
    /// (the message names it and its position).</exception>
    int[] Encode(string text);

    /// <summary>The text of a sequence of token ids.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside [0, VocabSize).</exception>
    string Decode(ReadOnlySpan<int> ids);

    /// <summary>The text of a sequence of token ids (a list, for example the ids sampled so far).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside [0, VocabSize).</exception>
    string Decode(IReadOnlyList<int> ids);

    /// <summary>The tokenizer as JSON, with a <c>"type"</c> field (<c>"char"</c>, <c>"bpe"</c> or <c>"gpt2"</c>) that
    /// <see cref="FromJson"/> reads.</summary>
    string ToJson();

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/> (UTF-8).</summary>
    void Save(string path);

    /// <summary>Reads a tokenizer saved by <see cref="Save"/>, whichever kind it is.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not a tokenizer Scratch wrote.</exception>
    static ITokenizer Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"tokenizer file not found: {path}", path);
        try
        {
            return FromJson(File.ReadAllText(path));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Reads a tokenizer from JSON written by <see cref="ToJson"/>, dispatching on its <c>"type"</c>.</summary>
    /// <exception cref="InvalidDataException">The JSON is malformed, has no known type, or its contents are invalid.</exception>
    static ITokenizer FromJson(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"tokenizer JSON is malformed: {e.Message}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("type", out var type)
                || type.ValueKind != JsonValueKind.String)
                throw new InvalidDataException("tokenizer JSON needs a string field \"type\" (\"char\", \"bpe\" or \"gpt2\")");
            return type.GetString() switch
            {
                CharTokenizer.TypeName => CharTokenizer.FromJsonElement(root),
                BpeTokenizer.TypeName => BpeTokenizer.FromJsonElement(root),
                Gpt2Tokenizer.TypeName => Gpt2Tokenizer.FromJsonElement(root),
                var other => throw new InvalidDataException(
                    $"unknown tokenizer type \"{other}\" (expected \"{CharTokenizer.TypeName}\", \"{BpeTokenizer.TypeName}\" or \"{Gpt2Tokenizer.TypeName}\")"),
            };
        }
    }
}
