// Line budget: exempt because Create holds the command's declaration and its whole action (read, encode, print each token, count), 68 lines; Gpt/Cli is being changed on another branch, so it is not split here.
using System.Buffers;
using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Unicode;
using Scratch.Gpt.Checkpoints;
using Scratch.Gpt.Tokenizers;
using Scratch.Gpt.Training;

namespace Scratch.Gpt.Cli;

/// <summary>
/// <c>scratch tokenize (--vocab DIR | --ckpt DIR) [FILE] [--ids]</c>: shows what a tokenizer does to a text, one
/// token per line (its id and its piece of the text), and a count of tokens, characters and bytes at the end.
/// FILE (or standard input, without FILE or with "-") is read as bytes and decoded as UTF-8 exactly: no newline
/// translation, a byte-order mark kept as U+FEFF. <c>--ids</c> prints only the ids, space-separated, on one line.
/// </summary>
internal static class TokenizeCommand
{
    /// <summary>The command, reading standard input from <paramref name="input"/> when no FILE is given.</summary>
    public static Command Create(Func<Stream> input, TextWriter output, TextWriter error)
    {
        var vocab = CommandSupport.Opt<string?>("--vocab", "GPT-2's tokenizer: the folder with vocab.json + merges.txt (or encoder.json + vocab.bpe)", null);
        var ckpt = CommandSupport.Opt<string?>("--ckpt", "a checkpoint's tokenizer (char, bpe or gpt2): the folder scratch train wrote", null);
        var idsOnly = CommandSupport.Opt("--ids", "print only the ids, space-separated, on one line", false);
        var file = new Argument<string?>("FILE")
        {
            Description = "the text to tokenize (UTF-8); standard input when left out or \"-\"",
            Arity = ArgumentArity.ZeroOrOne,
        };
        file.Validators.Add(result =>
        {
            // A mistyped flag would otherwise be taken for the FILE's name.
            if (result.GetValueOrDefault<string?>() is { } name && name.StartsWith('-') && name != "-")
                result.AddError($"unknown option {name}");
        });
        var command = new Command("tokenize",
            "Show the tokens of a text: each token's id and its piece of the text, then how many tokens, characters and bytes. "
            + "In a piece, ␣ is a space; \\n, \\r and \\t are a newline, a carriage return and a tab; \\uXXXX is another invisible "
            + "character; \\xNN is one byte of a character that is split across tokens (byte-level BPE may cut an emoji or a "
            + "Chinese character into pieces of its UTF-8 bytes), and the token that completes such a character shows it after →. "
            + "GPT-2's own files write the same pieces with stand-ins for "
            + "bytes (bytes_to_unicode): Ġ for a space, Ċ for a newline, so \"␣world\" here is \"Ġworld\" in vocab.json.")
        { vocab, ckpt, idsOnly, file };
        command.SetAction(parse => CliErrors.Guard("tokenize", error, () =>
        {
            var tokenizer = LoadTokenizer(parse.GetValue(vocab), parse.GetValue(ckpt));
            var path = parse.GetValue(file);
            var name = path is null or "-" ? "standard input" : path;
            var bytes = path is null or "-" ? ReadAll(input()) : ReadFile(path);
            var text = DecodeUtf8(bytes, name);
            int[] ids;
            try
            {
                ids = tokenizer.Encode(text);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{name}: {CliErrors.Describe(e)}", e);
            }

            if (parse.GetValue(idsOnly))
            {
                output.WriteLine(string.Join(' ', ids));
                return 0;
            }
            var width = ids.Length == 0 ? 1 : ids.Max().ToString(CultureInfo.InvariantCulture).Length;
            var carry = Array.Empty<byte>();     // the start of a character split across tokens, waiting for its end
            foreach (var id in ids)
            {
                var piece = TokenBytes(tokenizer, id);
                output.Write(id.ToString(CultureInfo.InvariantCulture).PadLeft(width));
                output.Write("  ");
                output.Write(Piece(piece));
                if (CompletesSplitCharacter(ref carry, piece) is { } whole)
                    output.Write($"  → {Piece(Encoding.UTF8.GetBytes(whole.ToString()))}");
                output.WriteLine();
            }
            var characters = text.EnumerateRunes().Count();
            var perToken = ids.Length == 0 ? "" : string.Create(CultureInfo.InvariantCulture,
                $" ({(double)characters / ids.Length:0.00} characters, {(double)bytes.Length / ids.Length:0.00} bytes per token)");
            output.WriteLine(
                $"{Count(ids.Length, "token")}, {Count(characters, "character")}, {Count(bytes.Length, "byte")}{perToken}; "
                + $"{Describe(tokenizer)}");
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// A token's bytes as a learner should see them: whole UTF-8 characters as themselves, except a space as ␣
    /// and invisible characters as escapes (\n, \t, \u00A0, …); bytes that are not a whole character as \xNN.
    /// </summary>
    internal static string Piece(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder();
        while (!bytes.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(bytes, out var rune, out var consumed) != OperationStatus.Done)
                for (var i = 0; i < consumed; i++)
                    text.Append(CultureInfo.InvariantCulture, $"\\x{bytes[i]:X2}");
            else if (rune.Value == ' ')
                text.Append('␣');
            else if (rune.Value == '␣' || (Rune.IsWhiteSpace(rune) && rune.Value is not ('\n' or '\r' or '\t'))
                     || (text.Length == 0 && Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark
                         or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark))
                text.Append(CultureInfo.InvariantCulture, $"\\u{rune.Value:X4}");   // a look-alike, a blank, or a mark with nothing to sit on
            else
                text.Append(Characters.Escape(rune));
            bytes = bytes[consumed..];
        }
        return text.ToString();
    }

    /// <summary>
    /// Follows characters split across tokens: <paramref name="carry"/> holds the bytes of a character that earlier
    /// tokens began; returns that character if this token's bytes complete it ("\xE4\xBD" then "\xA0" → 你), and
    /// leaves in <paramref name="carry"/> the bytes of a character this token begins but does not end.
    /// </summary>
    internal static Rune? CompletesSplitCharacter(ref byte[] carry, ReadOnlySpan<byte> piece)
    {
        byte[] bytes = [.. carry, .. piece];
        Rune? completed = null;
        var offset = 0;
        while (offset < bytes.Length)
        {
            var status = Rune.DecodeFromUtf8(bytes.AsSpan(offset), out var rune, out var consumed);
            if (status == OperationStatus.NeedMoreData)
                break;                                    // the rest is the start of a character: carry it
            if (status == OperationStatus.Done && offset < carry.Length)
                completed = rune;                         // began in an earlier token, ends here
            offset += consumed;
        }
        carry = bytes[offset..];
        return completed;
    }

    private static ITokenizer LoadTokenizer(string? vocab, string? ckpt)
    {
        if (vocab is not null && ckpt is not null)
            throw new ArgumentException("give --vocab or --ckpt, not both");
        Preflight.InputFolder("--vocab", vocab);
        Preflight.InputFolder("--ckpt", ckpt);
        if (vocab is not null)
            return Gpt2Tokenizer.FromDirectory(vocab);
        if (ckpt is null)
            throw new ArgumentException("give --vocab DIR (GPT-2's vocabulary) or --ckpt DIR (the tokenizer of a checkpoint)");
        if (!Directory.Exists(ckpt))
            throw new DirectoryNotFoundException($"checkpoint directory not found: {ckpt}");
        if (HuggingFaceGpt2.IsFolder(ckpt)) // its tokenizer.json, if any, is Hugging Face's, not ours
            return Gpt2Tokenizer.FromDirectory(ckpt);
        return ITokenizer.Load(Path.Combine(ckpt, Checkpoint.TokenizerFile));
    }

    private static byte[] TokenBytes(ITokenizer tokenizer, int id) => tokenizer switch
    {
        Gpt2Tokenizer gpt2 => gpt2.TokenBytes(id).ToArray(),
        BpeTokenizer bpe => bpe.TokenBytes(id).ToArray(),
        _ => Encoding.UTF8.GetBytes(tokenizer.Decode([id])),
    };

    private static string Describe(ITokenizer tokenizer)
    {
        var type = tokenizer switch
        {
            Gpt2Tokenizer => Gpt2Tokenizer.TypeName,
            BpeTokenizer => BpeTokenizer.TypeName,
            _ => CharTokenizer.TypeName,
        };
        return $"{type} tokenizer, vocabulary of {CommandSupport.Thousands(tokenizer.VocabSize)}";
    }

    private static string Count(int n, string noun) => $"{CommandSupport.Thousands(n)} {noun}{(n == 1 ? "" : "s")}";

    private static byte[] ReadFile(string path) =>
        Directory.Exists(path) ? throw new IOException($"input file {path} is a directory; give a text file")
        : File.Exists(path) ? File.ReadAllBytes(path)
        : throw new FileNotFoundException($"input file not found: {path} (looked for {Path.GetFullPath(path)})", path);

    private static byte[] ReadAll(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>The bytes as UTF-8 text, exactly; a byte that is not valid UTF-8 is an error naming its offset.</summary>
    private static string DecodeUtf8(byte[] bytes, string name)
    {
        var chars = new char[bytes.Length];   // UTF-8 never needs more UTF-16 units than bytes
        var status = Utf8.ToUtf16(bytes, chars, out var read, out var written, replaceInvalidSequences: false);
        if (status != OperationStatus.Done)
            throw new InvalidDataException(
                $"{name}: byte {read} (0x{bytes[read]:X2}) is not valid UTF-8; scratch tokenize reads UTF-8 text");
        return new string(chars, 0, written);
    }
}
