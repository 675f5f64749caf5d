using Scratch.Gpt.Tokenizers;

namespace Scratch.Gpt.Cli;

/// <summary>
/// Prints generated tokens as they arrive. The whole sequence is decoded each time and only the new characters
/// are written, so a byte-level token that ends inside a UTF-8 character (decoded as U+FFFD) waits for the rest.
/// </summary>
internal sealed class TextStream(ITokenizer tokenizer, TextWriter output)
{
    private readonly List<int> ids = [];
    private int written;

    /// <summary>Adds a token and writes whatever text is now complete.</summary>
    public void Add(int id)
    {
        ids.Add(id);
        string text = tokenizer.Decode(ids);
        int complete = text.EndsWith('\uFFFD') ? text.Length - 1 : text.Length;
        if (complete > written)
        {
            output.Write(text[written..complete]);
            output.Flush();
            written = complete;
        }
    }

    /// <summary>Writes whatever is left.</summary>
    public void Finish()
    {
        string text = tokenizer.Decode(ids);
        if (text.Length > written)
        {
            output.Write(text[written..]);
        }
        output.Flush();
    }
}
