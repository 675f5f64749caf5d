using System.Text;
using Scratch.Gpt.Data;
using Scratch.Gpt.Tokenizers;
using Scratch.Tensors;

namespace Scratch.Gpt.Tests;

/// <summary>
/// A corpus that is not UTF-8 is refused for the text tokenizers, naming the byte and what was found, instead of
/// silently turning into U+FFFD; the byte-level BPE tokenizer trains on and encodes its bytes exactly.
/// </summary>
public sealed class CorpusFileTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    private string WriteBytes(string name, byte[] bytes)
    {
        var path = Path.Combine(cli.Dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>20,000 characters of Shakespeare with every "the" as "thé", in Latin-1 (é is the single byte 0xE9).</summary>
    private string Latin1 => WriteBytes("latin1.txt", Encoding.Latin1.GetBytes(Corpus.Shakespeare[..20_000].Replace("the", "thé", StringComparison.Ordinal)));

    private static byte[] RandomBytes(int count)
    {
        var rng = new Rng(5);
        return Enumerable.Range(0, count).Select(_ => (byte)rng.NextInt(256)).ToArray();
    }

    [Fact]
    public void Latin1TextIsRefusedAtItsFirstByteThatIsNotUtf8()
    {
        string text = Corpus.Shakespeare[..20_000].Replace("the", "thé", StringComparison.Ordinal);
        int offset = text.IndexOf('é', StringComparison.Ordinal); // Latin-1: one byte per character
        int line = text[..offset].Count(c => c == '\n') + 1;
        var corpus = CorpusFile.Read(Latin1);
        Assert.False(corpus.IsUtf8);
        var error = Assert.Throws<InvalidDataException>(() => corpus.Text);
        Assert.Contains($"corpus {Latin1} is not UTF-8 text: byte {offset:N0} (line {line}) is 0xE9, which starts a 3-byte character, but the byte after it, 0x{(byte)text[offset + 1]:X2}, does not continue one (Latin-1 text would read 0xE9 as 'é')", error.Message);
        Assert.Contains("the byte-level BPE tokenizer (train --tokenizer bpe) reads any bytes", error.Message);
        Assert.Throws<InvalidDataException>(() => TokenData.ReadCorpus(Latin1));
        Assert.Contains("the char tokenizer reads UTF-8 text", Assert.Throws<InvalidDataException>(() => corpus.Encode(CharTokenizer.FromText("abc"))).Message);
    }

    [Theory]
    [InlineData(new byte[] { 0x61, 0x62, 0x80, 0x63 }, "byte 2 (line 1) is 0x80, a continuation byte with no character before it to continue")]
    [InlineData(new byte[] { 0x61, 0xC0, 0x80 }, "byte 1 (line 1) is 0xC0, a byte that never occurs in UTF-8")]
    [InlineData(new byte[] { 0x61, 0x0A, 0xFF }, "byte 2 (line 2) is 0xFF, a byte that never occurs in UTF-8 (Latin-1 text would read 0xFF as 'ÿ')")]
    [InlineData(new byte[] { 0x61, 0xE4, 0xBD }, "byte 1 (line 1) is 0xE4, which starts a 3-byte character, but the file ends inside it")]
    [InlineData(new byte[] { 0x61, 0xE4 }, "byte 1 (line 1) is 0xE4, which starts a 3-byte character, but the file ends there")]
    [InlineData(new byte[] { 0xE0, 0x80, 0x80 }, "byte 0 (line 1) is 0xE0, which starts a 3-byte character, but the bytes after it encode no character")]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 }, "byte 0 (line 1) is 0xED, which starts a 3-byte character, but the bytes after it encode no character")] // a surrogate
    [InlineData(new byte[] { 0xFF, 0xFE, 0x61, 0x00 }, "byte 0 (line 1) is 0xFF and byte 1 is 0xFE, a UTF-16 (or UTF-32) byte-order mark")]
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF, 0x61, 0x92 }, "byte 4 (line 1) is 0x92, a continuation byte")] // offsets count the UTF-8 byte-order mark
    public void TheMessageSaysWhatWasFound(byte[] bytes, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => CorpusFile.Read(WriteBytes("bad.txt", bytes)).Text);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Utf8TextReadsAsFileReadAllTextDoes()
    {
        string text = "Ünïcödé 你好 🙂\r\nline two\n";
        var plain = CorpusFile.Read(cli.Write("plain.txt", text));
        var withBom = CorpusFile.Read(WriteBytes("bom.txt", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)]));
        Assert.Equal(text, plain.Text);
        Assert.Equal(text, withBom.Text); // the byte-order mark is not text
        Assert.Equal(File.ReadAllText(Path.Combine(cli.Dir, "bom.txt")), withBom.Text);
        Assert.True(CorpusFile.Read(WriteBytes("bom-only.txt", [0xEF, 0xBB, 0xBF])).IsEmpty);
        var bpe = BpeTokenizer.Train(text, 270);
        Assert.Equal(bpe.Merges, plain.TrainBpe(270).Merges);
        Assert.Equal(bpe.Encode(text), plain.Encode(bpe));
    }

    [Fact]
    public void ADirectoryIsNamedAsOne()
    {
        var error = Assert.Throws<IOException>(() => CorpusFile.Read(cli.Dir));
        Assert.Equal($"corpus {cli.Dir} is a directory; give a text file", error.Message);
        Assert.IsType<FileNotFoundException>(Assert.ThrowsAny<IOException>(() => CorpusFile.Read(Path.Combine(cli.Dir, "nope.txt"))));
    }

    [Fact]
    public void BpeTrainsOnAndEncodesTheBytesOfABinaryFile()
    {
        byte[] bytes = RandomBytes(30_000);
        var corpus = CorpusFile.Read(WriteBytes("random.bin", bytes));
        Assert.False(corpus.IsUtf8);
        var bpe = corpus.TrainBpe(300);
        Assert.Equal(300, bpe.VocabSize);
        int[] ids = corpus.Encode(bpe);
        Assert.Equal(bytes, bpe.DecodeBytes(ids)); // every byte back, none turned into U+FFFD
        Assert.True(ids.Length < bytes.Length);
        Assert.Equal(ids, TokenData.FromFile(Path.Combine(cli.Dir, "random.bin"), bpe).Tokens.ToArray());
    }

    [Fact]
    public void TrainRefusesANonUtf8CorpusBeforeBuildingAModelUnlessTheTokenizerIsBpe()
    {
        var outDir = Path.Combine(cli.Dir, "out");
        var binary = WriteBytes("random.bin", RandomBytes(30_000));
        foreach (var corpus in new[] { Latin1, binary })
        {
            var (code, output, err) = CliRunner.Run(["train", "--data", corpus, "--out", outDir, .. CliRunner.TinyModel, "--max-iters", "1"]);
            Assert.Equal(1, code);
            Assert.Equal("", output); // until now: trained, with U+FFFD in the vocabulary (about 990 "characters" for a random file)
            Assert.Contains($"scratch train: error: corpus {corpus} is not UTF-8 text: byte ", err);
            Assert.Contains("--tokenizer bpe", err);
        }
        Assert.Contains("is not UTF-8 text", CliRunner.Run(["ngram", "--data", Latin1]).Err);

        // The byte-level BPE tokenizer reads any bytes: train, eval and the n-gram baseline all work on the binary file.
        var trained = CliRunner.Run(["train", "--data", binary, "--out", outDir, .. CliRunner.TinyModel, "--tokenizer", "bpe", "--vocab-size", "300", "--max-iters", "1"]);
        Assert.True(trained.Code == 0, trained.Err);
        var eval = CliRunner.Run(["eval", "--ckpt", outDir, "--data", binary, "--all"]);
        Assert.True(eval.Code == 0, eval.Err);
        Assert.StartsWith("val loss: ", eval.Out);
        var ngram = CliRunner.Run(["ngram", "--data", binary, "--ckpt", outDir, "--max-new-tokens", "5"]);
        Assert.True(ngram.Code == 0, ngram.Err);
        Assert.Contains("V = 300", ngram.Out);

        // A checkpoint with the char tokenizer cannot read it.
        var charCkpt = Path.Combine(cli.Dir, "char");
        cli.Train(charCkpt, "--max-iters", "1");
        var refused = CliRunner.Run(["eval", "--ckpt", charCkpt, "--data", Latin1]);
        Assert.Equal(1, refused.Code);
        Assert.Contains("the char tokenizer reads UTF-8 text", refused.Err);
    }
}
