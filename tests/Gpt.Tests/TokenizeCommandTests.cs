using System.CommandLine;
using System.Text;
using Scratch.Gpt.Cli;

namespace Scratch.Gpt.Tests;

/// <summary><c>scratch tokenize</c>: pieces and ids, the summary, --ids, standard input, --ckpt, and one-line errors.</summary>
public sealed class TokenizeCommandTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public void PrintsEachTokenWithItsPieceAndASummary()
    {
        var file = WriteBytes("t.txt", "Hello world, it's\r\n你 😀\t<|endoftext|>  end  \n");
        var (code, output, err) = CliRunner.Run("tokenize", "--vocab", Corpus.Gpt2Dir, file);
        Assert.Equal(0, code);
        Assert.Equal("", err);
        string[] expected =
        [
            "15496  Hello",
            "  995  ␣world",
            "   11  ,",
            "  340  ␣it",
            "  338  's",
            "  201  \\r",
            "  198  \\n",
            "19526  \\xE4\\xBD",
            "  254  \\xA0  → 你",          // 你 is E4 BD A0: two tokens, the second completes it
            "30325  ␣\\xF0\\x9F\\x98",
            "  222  \\x80  → 😀",
            "  197  \\t",
            "50256  <|endoftext|>",
            "  220  ␣",
            "  886  ␣end",
            "  220  ␣",
            "  220  ␣",
            "  198  \\n",
            "18 tokens, 44 characters, 49 bytes (2.44 characters, 2.72 bytes per token); gpt2 tokenizer, vocabulary of 50,257",
        ];
        Assert.Equal(expected, output.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void IdsPrintsOnlyTheIdsOnOneLine()
    {
        var text = Corpus.Shakespeare[..3000];
        var (code, output, err) = CliRunner.Run("tokenize", "--vocab", Corpus.Gpt2Dir, "--ids", cli.Write("s.txt", text));
        Assert.Equal((0, ""), (code, err));
        Assert.Equal(string.Join(' ', Corpus.Gpt2.Encode(text)) + Environment.NewLine, output);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsStandardInputAsBytesWithoutNewlineTranslation(bool dash)
    {
        string[] file = dash ? ["-"] : [];
        var bytes = "\uFEFFa\r\nb\n"u8.ToArray();   // a byte-order mark and CRLF, kept as they are
        var output = new StringWriter();
        var error = new StringWriter();
        var command = TokenizeCommand.Create(() => new MemoryStream(bytes), output, error);
        var code = command.Parse(["--vocab", Corpus.Gpt2Dir, "--ids", .. file]).Invoke(new InvocationConfiguration { Output = output, Error = error });
        Assert.Equal((0, ""), (code, error.ToString()));
        Assert.Equal(string.Join(' ', Corpus.Gpt2.Encode("\uFEFFa\r\nb\n")), output.ToString().Trim());
        Assert.Contains("201 198", output.ToString());   // \r and \n
    }

    [Fact]
    public void UsesACheckpointsTokenizerToo()
    {
        var outDir = Path.Combine(cli.Dir, "char");
        cli.Train(outDir, "--max-iters", "1", "--eval-interval", "1");
        var (code, output, err) = CliRunner.Run("tokenize", "--ckpt", outDir, cli.Write("hi.txt", "Hi all\n"));
        Assert.Equal((0, ""), (code, err));
        var lines = output.TrimEnd('\n').Split('\n');
        Assert.Equal(["H", "i", "␣", "a", "l", "l", "\\n"], lines[..^1].Select(l => l[4..]));
        Assert.Matches(@"^7 tokens, 7 characters, 7 bytes \(1\.00 characters, 1\.00 bytes per token\); char tokenizer, vocabulary of \d+$", lines[^1]);
    }

    [Theory]
    [InlineData(" \u00A0\u3000", "␣\\u00A0\\u3000")]              // blanks other than the space are escaped
    [InlineData("␣", "\\u2423")]                                     // a real ␣ cannot pass for a space
    [InlineData("\u0301x", "\\u0301x")]                              // a mark with nothing to sit on
    [InlineData("e\u0301", "e\u0301")]
    [InlineData("\\\0\u007F", "\\\\\\u0000\\u007F")]
    public void PiecesAreReadable(string text, string shown) => Assert.Equal(shown, TokenizeCommand.Piece(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void AnEmptyFileHasNoTokens()
    {
        var (code, output, _) = CliRunner.Run("tokenize", "--vocab", Corpus.Gpt2Dir, cli.Write("empty.txt", ""));
        Assert.Equal(0, code);
        Assert.Equal("0 tokens, 0 characters, 0 bytes; gpt2 tokenizer, vocabulary of 50,257", output.Trim());
    }

    [Fact]
    public void ErrorsAreOneLineNamingTheFlagOrFile()
    {
        var text = cli.Write("t.txt", "hello");
        AssertOneLineError(["tokenize", text], "--vocab DIR", "--ckpt DIR");
        AssertOneLineError(["tokenize", "--vocab", Corpus.Gpt2Dir, "--ckpt", cli.Dir, text], "not both");
        AssertOneLineError(["tokenize", "--vocab", Corpus.Gpt2Dir, Path.Combine(cli.Dir, "nope.txt")], "input file not found", "nope.txt");
        AssertOneLineError(["tokenize", "--vocab", Path.Combine(cli.Dir, "novocab"), text], "GPT-2 vocabulary folder not found", "novocab");
        AssertOneLineError(["tokenize", "--vocab", cli.Dir, text], "vocab.json", "encoder.json");
        AssertOneLineError(["tokenize", "--ckpt", Path.Combine(cli.Dir, "nockpt"), text], "checkpoint directory not found", "nockpt");
        AssertOneLineError(["tokenize", "--ckpt", cli.Dir, text], "tokenizer file not found", "tokenizer.json");
        var bad = Path.Combine(cli.Dir, "bad.txt");
        File.WriteAllBytes(bad, [0x61, 0x62, 0xFF, 0x63]);
        AssertOneLineError(["tokenize", "--vocab", Corpus.Gpt2Dir, bad], "bad.txt", "byte 2 (0xFF) is not valid UTF-8");
        AssertOneLineError(["tokenize", "--vocab", Corpus.Gpt2Dir, "--idz", text], "unknown option --idz");
        AssertOneLineError(["tokenize", "--vocab", Corpus.Gpt2Dir, "--idz"], "unknown option --idz");

        var outDir = Path.Combine(cli.Dir, "char");
        cli.Train(outDir, "--max-iters", "1", "--eval-interval", "1");
        AssertOneLineError(["tokenize", "--ckpt", outDir, cli.Write("e.txt", "café")], "e.txt", "'é' (U+00E9)", "not in the vocabulary");
    }

    private static void AssertOneLineError(string[] args, params string[] named)
    {
        var (code, output, err) = CliRunner.Run(args);
        Assert.NotEqual(0, code);
        Assert.Equal("", output);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1 && lines[0].StartsWith("scratch tokenize", StringComparison.Ordinal), $"expected one line, got:\n{err}");
        foreach (var name in named)
            Assert.Contains(name, lines[0]);
    }

    /// <summary>Writes the UTF-8 bytes of <paramref name="text"/> exactly (no newline translation).</summary>
    private string WriteBytes(string name, string text)
    {
        var path = Path.Combine(cli.Dir, name);
        File.WriteAllBytes(path, Encoding.UTF8.GetBytes(text));
        return path;
    }
}
