using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;
using Scratch.Gpt.Tokenizers;

namespace Scratch.Gpt.Data;

/// <summary>
/// A corpus file as it is on disk: its text when its bytes are UTF-8, and otherwise its bytes. The character
/// and GPT-2 tokenizers read text, so a file that is not UTF-8 (Latin-1 text, a binary file) is refused for them
/// with the byte where it stops being UTF-8, instead of silently becoming U+FFFD "characters". The byte-level
/// BPE tokenizer reads bytes, so it trains on and encodes any file.
/// <para>
/// A UTF-8 byte-order mark (EF BB BF) at the start is not part of the text, as with <c>File.ReadAllText</c>.
/// A file with a UTF-16 or UTF-32 byte-order mark is not UTF-8, and the message says so.
/// </para>
/// </summary>
public sealed class CorpusFile
{
    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    private readonly string? text;     // the text, when the file is UTF-8
    private readonly byte[]? bytes;    // the bytes, when it is not
    private readonly string? problem;  // where and why it is not UTF-8

    private CorpusFile(string path, string? text, byte[]? bytes, string? problem)
    {
        Path = path;
        this.text = text;
        this.bytes = bytes;
        this.problem = problem;
    }

    /// <summary>The path it was read from.</summary>
    public string Path { get; }

    /// <summary>True when the file is UTF-8 text (every tokenizer reads it); false when only BPE can.</summary>
    public bool IsUtf8 => text is not null;

    /// <summary>True when the file holds nothing (but perhaps a byte-order mark).</summary>
    public bool IsEmpty => text is { Length: 0 };

    /// <summary>The text.</summary>
    /// <exception cref="InvalidDataException">The file is not UTF-8 (the message names the byte and what was found).</exception>
    public string Text => text ?? throw NotUtf8("the char and gpt2 tokenizers read UTF-8 text");

    /// <summary>Reads the file at <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no file there (the message names it).</exception>
    /// <exception cref="IOException">The path is a directory.</exception>
    public static CorpusFile Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            throw new IOException($"corpus {path} is a directory; give a text file");
        }
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"corpus file not found: {path} (looked for {System.IO.Path.GetFullPath(path)})", path);
        }
        byte[] all = File.ReadAllBytes(path);
        int start = all.AsSpan().StartsWith(Utf8Bom) ? Utf8Bom.Length : 0;
        return DecodeUtf8(all.AsSpan(start)) is string decoded
            ? new CorpusFile(path, decoded, null, null)
            : new CorpusFile(path, null, all[start..], Describe(all, FirstInvalidUtf8(all, start)));
    }

    /// <summary>
    /// The token ids of the corpus: the text's with any tokenizer; the bytes' with <see cref="BpeTokenizer"/> when the
    /// file is not UTF-8.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not UTF-8 and the tokenizer reads only text.</exception>
    /// <exception cref="ArgumentException">The tokenizer rejects the text (a character outside its vocabulary).</exception>
    public int[] Encode(ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (text is not null)
        {
            return tokenizer.Encode(text);
        }
        return tokenizer is BpeTokenizer bpe ? bpe.Encode(bytes)
            : throw NotUtf8($"the {(tokenizer is Gpt2Tokenizer ? Gpt2Tokenizer.TypeName : CharTokenizer.TypeName)} tokenizer reads UTF-8 text");
    }

    /// <summary>
    /// A byte-level BPE tokenizer of <paramref name="vocabSize"/> tokens learned from the corpus: from the text's
    /// UTF-8 bytes, or from the file's own bytes when it is not UTF-8.
    /// </summary>
    public BpeTokenizer TrainBpe(int vocabSize) => text is not null ? BpeTokenizer.Train(text, vocabSize) : BpeTokenizer.Train(bytes, vocabSize);

    private InvalidDataException NotUtf8(string who) => new(
        $"corpus {Path} is not UTF-8 text: {problem}; {who} (convert the file, e.g. iconv -f latin1 -t utf-8), "
        + "while the byte-level BPE tokenizer (train --tokenizer bpe) reads any bytes");

    /// <summary>The bytes as UTF-8 text, exactly, or null if they are not UTF-8.</summary>
    private static string? DecodeUtf8(ReadOnlySpan<byte> span)
    {
        var chars = new char[span.Length]; // UTF-8 never needs more UTF-16 units than bytes
        return Utf8.ToUtf16(span, chars, out _, out int written, replaceInvalidSequences: false) == OperationStatus.Done
            ? new string(chars, 0, written)
            : null;
    }

    /// <summary>The offset of the first byte at or after <paramref name="start"/> that does not begin a UTF-8 character.</summary>
    private static int FirstInvalidUtf8(byte[] all, int start)
    {
        int offset = start;
        while (Rune.DecodeFromUtf8(all.AsSpan(offset), out _, out int consumed) == OperationStatus.Done)
        {
            offset += consumed;
        }
        return offset;
    }

    /// <summary>
    /// What was found at <paramref name="offset"/>: "byte 1,234 (line 12) is 0xE9, which starts a 3-byte character,
    /// but the byte after it, 0x74, does not continue one (Latin-1 text would read 0xE9 as 'é')".
    /// </summary>
    internal static string Describe(ReadOnlySpan<byte> all, int offset)
    {
        int line = all[..offset].Count((byte)'\n') + 1;
        byte b = all[offset];
        string at = string.Create(CultureInfo.InvariantCulture, $"byte {offset:N0} (line {line:N0}) is 0x{b:X2}");
        if (offset == 0 && all.Length >= 2 && (b, all[1]) is (0xFF, 0xFE) or (0xFE, 0xFF))
        {
            return $"{at} and byte 1 is 0x{all[1]:X2}, a UTF-16 (or UTF-32) byte-order mark: the file is UTF-16 text, not UTF-8";
        }
        int length = b switch { >= 0xC2 and <= 0xDF => 2, >= 0xE0 and <= 0xEF => 3, >= 0xF0 and <= 0xF4 => 4, _ => 0 };
        string what = b switch
        {
            >= 0x80 and <= 0xBF => "a continuation byte with no character before it to continue",
            0xC0 or 0xC1 or >= 0xF5 => "a byte that never occurs in UTF-8",
            _ when offset + 1 >= all.Length => $"which starts a {length}-byte character, but the file ends there",
            _ when (all[offset + 1] & 0xC0) != 0x80 => $"which starts a {length}-byte character, but the byte after it, 0x{all[offset + 1]:X2}, does not continue one",
            _ when Rune.DecodeFromUtf8(all[offset..], out _, out _) == OperationStatus.NeedMoreData => $"which starts a {length}-byte character, but the file ends inside it",
            _ => $"which starts a {length}-byte character, but the bytes after it encode no character (an overlong form, a surrogate or a code point above U+10FFFF)",
        };
        string latin1 = b >= 0xA0 ? $" (Latin-1 text would read 0x{b:X2} as '{(char)b}')" : "";
        return $"{at}, {what}{latin1}";
    }
}
