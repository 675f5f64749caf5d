using System.Buffers;
using System.Globalization;
using System.Text;

namespace Scratch.Gpt.Tokenizers;

/// <summary>Helpers for naming characters in error messages and walking text as Unicode scalar values.</summary>
internal static class Characters
{
    /// <summary>A character as a learner wants to see it in an error: <c>'é' (U+00E9)</c>, with control
    /// characters escaped (<c>'\n' (U+000A)</c>).</summary>
    public static string Describe(Rune rune) => $"'{Escape(rune)}' (U+{rune.Value:X4})";

    /// <summary>A lone UTF-16 surrogate, which is not a character at all: <c>unpaired surrogate U+D83D</c>.</summary>
    public static string DescribeSurrogate(char c) => $"unpaired surrogate U+{(int)c:X4}";

    /// <summary>The rune as printable text: control and other invisible characters become escapes.</summary>
    public static string Escape(Rune rune) => rune.Value switch
    {
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        '\\' => "\\\\",
        _ when Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator => rune.Value <= 0xFFFF ? $"\\u{rune.Value:X4}" : $"\\U{rune.Value:X8}",
        _ => rune.ToString(),
    };

    /// <summary>
    /// Bytes as printable text: each whole UTF-8 character as <see cref="Escape"/> shows it, and each byte that is
    /// not part of a whole character (a piece of a multi-byte character, or invalid UTF-8) as <c>\xNN</c>.
    /// </summary>
    public static string EscapeBytes(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder();
        while (!bytes.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(bytes, out var rune, out var consumed) == OperationStatus.Done)
                text.Append(Escape(rune));
            else
                for (var i = 0; i < consumed; i++)
                    text.Append($"\\x{bytes[i]:X2}");
            bytes = bytes[consumed..];
        }
        return text.ToString();
    }

    /// <summary>
    /// Throws if <paramref name="text"/> holds an unpaired surrogate, naming it and its position (UTF-16 index).
    /// Well-formed text is exactly the text that UTF-8 can encode.
    /// </summary>
    public static void CheckWellFormed(string text, string who)
    {
        for (var i = 0; i < text.Length;)
        {
            var next = text.AsSpan(i).IndexOfAnyInRange('\uD800', '\uDFFF');   // the next surrogate, if any
            if (next < 0)
                return;
            RuneAt(text, i + next, who, out var length);                       // throws for a lone surrogate
            i += next + length;
        }
    }

    /// <summary>
    /// The scalar value starting at UTF-16 index <paramref name="index"/> of <paramref name="text"/>, and how
    /// many chars it takes (1 or 2). An unpaired surrogate is an error that names it and its index.
    /// </summary>
    public static Rune RuneAt(string text, int index, string who, out int length)
    {
        var status = Rune.DecodeFromUtf16(text.AsSpan(index), out var rune, out length);
        if (status != OperationStatus.Done)
            throw new ArgumentException(
                $"{who}: the text holds an {DescribeSurrogate(text[index])} at position {index}; "
                + "a lone surrogate is half of a UTF-16 pair and is not a character, so it has no token",
                nameof(text));
        return rune;
    }
}
