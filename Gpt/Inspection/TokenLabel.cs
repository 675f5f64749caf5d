using Scratch.Gpt.Tokenizers;

namespace Scratch.Gpt.Inspection;

/// <summary>Printable names for tokens, for axes and scatter labels: whitespace and control characters made visible.</summary>
internal static class TokenLabel
{
    public static string Of(ITokenizer tokenizer, int id)
    {
        string text = tokenizer switch
        {
            BpeTokenizer bpe => bpe.TokenText(id),
            Gpt2Tokenizer gpt2 => gpt2.TokenText(id), // half a character shows as its bytes (\xNN), not as U+FFFD
            _ => tokenizer.Decode([id]),
        };
        return Visible(text);
    }

    public static string Visible(string text) => string.Concat(text.Select(c => c switch
    {
        '\n' => "⏎",
        ' ' => "␣",
        '\t' => "⇥",
        _ when char.IsControl(c) => $"\\x{(int)c:x2}",
        _ => c.ToString(),
    }));
}
