using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Scratch.Gpt.Tokenizers;

/// <summary>
/// GPT-2's first step: cut the text into pieces ("words") with OpenAI's pattern, so that BPE never merges
/// across them — a letter never fuses with the punctuation after it, and " dog" is one token however the
/// dog is followed:
/// <code>
/// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
/// </code>
/// At each position the first alternative that matches wins and takes as much as it can: an English
/// contraction; else an optional space and a run of letters; else an optional space and a run of digits (any
/// numeric character); else an optional space and a run of anything that is neither whitespace, letter nor
/// digit (punctuation, symbols, emoji); else a run of whitespace that is not directly followed by a
/// non-whitespace character; else a run of whitespace. The last two leave the final space of a run to start the
/// next word: "a   b" → "a", "  ", " b".
/// <code>
/// "Hello world, it's 2024!\n\n"  →  "Hello" " world" "," " it" "'s" " 2024" "!" "\n\n"
/// </code>
/// <para>
/// <b>Code points, not UTF-16 code units.</b> OpenAI matches the pattern with Python's <c>regex</c> module,
/// which reads a string as Unicode code points. .NET's <see cref="Regex"/> reads UTF-16 code units, and a
/// character outside the Basic Multilingual Plane (𝔘, 𝟘, 😀) is two of them, each a surrogate (category Cs):
/// to .NET's regex the letter 𝔘 is not <c>\p{L}</c> but two "other" units, so "a𝔘" splits as "a", "𝔘"
/// where Python keeps "a𝔘" together, and the ids differ. So the pattern is matched here by hand, one
/// alternative per step of <see cref="PieceEnd"/>, over code points (<see cref="Rune"/>), with the categories
/// of <see cref="Rune.GetUnicodeCategory"/> and the whitespace of <see cref="Rune.IsWhiteSpace"/> (the Unicode
/// White_Space property, the same set as both regex engines' <c>\s</c>). On text without such characters the
/// result equals <see cref="Reference"/>, .NET's regex with OpenAI's pattern (a test holds them equal).
/// </para>
/// </summary>
public static class Gpt2PreTokenizer
{
    /// <summary>OpenAI's pattern, as written in <c>encoder.py</c>.</summary>
    public const string Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>
    /// <see cref="Pattern"/> in .NET's regex engine: the same pieces as <see cref="Split"/> on text whose every
    /// character is in the Basic Multilingual Plane, different pieces for letters and digits beyond it (see the
    /// class summary). Kept as the readable specification that tests compare against.
    /// </summary>
    public static readonly Regex Reference = new(Pattern, RegexOptions.CultureInvariant);

    /// <summary>The pieces of <paramref name="text"/>, in order; concatenated they give the text back.</summary>
    public static List<string> Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var pieces = new List<string>();
        for (var start = 0; start < text.Length;)
        {
            var end = PieceEnd(text, start);
            pieces.Add(text[start..end]);
            start = end;
        }
        return pieces;
    }

    /// <summary>
    /// Where the piece that starts at <paramref name="start"/> ends (exclusive, a UTF-16 index): the
    /// pattern's alternatives tried in order. <paramref name="start"/> must be below the text's length.
    /// </summary>
    public static int PieceEnd(ReadOnlySpan<char> text, int start)
    {
        // 's|'t|'re|'ve|'m|'ll|'d
        if (text[start] == '\'')
        {
            foreach (var suffix in Contractions)
                if (text[(start + 1)..].StartsWith(suffix, StringComparison.Ordinal))
                    return start + 1 + suffix.Length;
        }

        //  ?\p{L}+  |   ?\p{N}+  |   ?[^\s\p{L}\p{N}]+  : an optional space, then a run of one kind
        var i = start;
        if (text[i] == ' ' && i + 1 < text.Length && KindAt(text, i + 1, out _) != Kind.Space)
            i++;                                     // the space belongs to the run that follows it
        var kind = KindAt(text, i, out var width);
        if (kind != Kind.Space)
        {
            i += width;
            while (i < text.Length && KindAt(text, i, out width) == kind)
                i += width;
            return i;
        }

        // \s+(?!\S)  |  \s+  : a run of whitespace
        var end = start;
        while (end < text.Length && KindAt(text, end, out width) == Kind.Space)
            end += width;
        if (end == text.Length || end - start == 1)
            return end;       // the run ends the text (\s+(?!\S)), or is one character before a non-space (\s+)
        return end - 1;       // \s+(?!\S) backs off one character: the last space goes with the next word
    }

    /// <summary>The suffixes after an apostrophe that stay one piece, in the pattern's order.</summary>
    private static readonly string[] Contractions = ["s", "t", "re", "ve", "m", "ll", "d"];

    private enum Kind { Letter, Number, Space, Other }

    /// <summary>
    /// Which class of the pattern the code point at <paramref name="i"/> is in, and its width in chars (2 for a
    /// surrogate pair). All whitespace is one character in UTF-16, so "width 1" can be assumed for
    /// <see cref="Kind.Space"/>. A lone surrogate is <see cref="Kind.Other"/> (the tokenizer rejects it earlier).
    /// </summary>
    private static Kind KindAt(ReadOnlySpan<char> text, int i, out int width)
    {
        if (Rune.DecodeFromUtf16(text[i..], out var rune, out width) != System.Buffers.OperationStatus.Done)
            return Kind.Other;
        if (Rune.IsWhiteSpace(rune))
            return Kind.Space;
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Kind.Letter,          // \p{L}
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber
                or UnicodeCategory.OtherNumber => Kind.Number,                                           // \p{N}
            _ => Kind.Other,
        };
    }
}
