namespace Scratch.Gpt.Tokenizers;

/// <summary>
/// GPT-2's byte ↔ character table (<c>bytes_to_unicode</c> in OpenAI's <c>encoder.py</c>), the reason its
/// vocabulary files show a space as <c>Ġ</c> and a newline as <c>Ċ</c>.
/// <para>
/// GPT-2's tokens are byte strings, but its files (<c>encoder.json</c>, <c>vocab.bpe</c>) store them as
/// text, and a byte such as 0x20 (space) or 0x0A (newline) would be invisible or break the one-merge-per-line
/// format. So every byte gets a printable stand-in character:
/// </para>
/// <code>
/// bytes '!'..'~' (33–126), '¡'..'¬' (161–172), '®'..'ÿ' (174–255)   → the character with the same code (188 bytes)
/// the other 68 bytes, in increasing order: 0, 1, …, 32, 127, …, 160, 173  → U+0100, U+0101, …, U+0143
/// </code>
/// <para>
/// so 0x00 → 'Ā' (U+0100), 0x0A → 'Ċ' (U+010A), 0x20 → 'Ġ' (U+0120), 0xAD (soft hyphen) → 'Ń' (U+0143).
/// A token's text in the files is its bytes written with these characters: "Ġthe" is the four bytes " the".
/// </para>
/// </summary>
public static class BytesToUnicode
{
    private static readonly char[] charOf = MakeTable();          // byte → its stand-in character
    private static readonly Dictionary<char, byte> byteOf =         // stand-in character → byte
        Enumerable.Range(0, 256).ToDictionary(b => charOf[b], b => (byte)b);

    /// <summary>The stand-in character of byte <paramref name="b"/> (encoder.py: <c>byte_encoder[b]</c>).</summary>
    public static char Char(byte b) => charOf[b];

    /// <summary>The byte that <paramref name="c"/> stands for (encoder.py: <c>byte_decoder[c]</c>); false if
    /// <paramref name="c"/> is not one of the 256 stand-ins.</summary>
    public static bool TryGetByte(char c, out byte b) => byteOf.TryGetValue(c, out b);

    /// <summary>Bytes written with their stand-ins: " the"u8 → "Ġthe".</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
            chars[i] = charOf[bytes[i]];
        return new string(chars);
    }

    /// <summary>
    /// The bytes a stand-in string stands for: "Ġthe" → " the"u8; false (and the index of the first character
    /// that is not a stand-in) when the string holds any other character.
    /// </summary>
    public static bool TryDecode(string text, out byte[] bytes, out int badIndex)
    {
        bytes = new byte[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            if (!byteOf.TryGetValue(text[i], out bytes[i]))
            {
                badIndex = i;
                return false;
            }
        }
        badIndex = -1;
        return true;
    }

    /// <summary>encoder.py's <c>bytes_to_unicode</c>, line for line.</summary>
    private static char[] MakeTable()
    {
        var table = new char[256];
        var printable = new bool[256];
        foreach (var (first, last) in new[] { ('!', '~'), ('¡', '¬'), ('®', 'ÿ') })
            for (int b = first; b <= last; b++)
            {
                printable[b] = true;
                table[b] = (char)b;                 // printable bytes stand for themselves
            }
        var n = 0;
        for (var b = 0; b < 256; b++)
            if (!printable[b])
                table[b] = (char)(256 + n++);        // the rest, in order, take U+0100, U+0101, …
        return table;
    }
}
