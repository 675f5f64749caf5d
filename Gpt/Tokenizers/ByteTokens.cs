namespace Scratch.Gpt.Tokenizers;

/// <summary>
/// What the two byte-level tokenizers, <see cref="BpeTokenizer"/> and <see cref="Gpt2Tokenizer"/>, share: a table
/// from token id to the bytes it stands for. Decoding is looking each id up and joining the bytes.
/// </summary>
internal static class ByteTokens
{
    /// <summary>The bytes of token <paramref name="id"/> in <paramref name="table"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside [0, table.Length).</exception>
    public static ReadOnlySpan<byte> Lookup(byte[][] table, int id)
    {
        CheckId(table, id, 0);
        return table[id];
    }

    /// <summary>The bytes of every token of <paramref name="ids"/>, concatenated.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside [0, table.Length); the message gives its position.</exception>
    public static byte[] Join(byte[][] table, ReadOnlySpan<int> ids)
    {
        var bytes = new List<byte>(ids.Length * 4);
        for (var i = 0; i < ids.Length; i++)
        {
            CheckId(table, ids[i], i);
            bytes.AddRange(table[ids[i]]);
        }
        return [.. bytes];
    }

    /// <summary>Throws unless <paramref name="id"/> is in [0, table.Length); <paramref name="position"/> is where it stood.</summary>
    public static void CheckId(byte[][] table, int id, int position)
    {
        if ((uint)id >= (uint)table.Length)
            throw new ArgumentOutOfRangeException("ids", id, $"token id at position {position} is outside [0, {table.Length})");
    }
}
