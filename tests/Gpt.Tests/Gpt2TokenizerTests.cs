using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.ML.Tokenizers;
using Scratch.Gpt.Tokenizers;
using Xunit.Abstractions;

namespace Scratch.Gpt.Tests;

/// <summary>
/// GPT-2's tokenizer against two independent implementations: Microsoft.ML.Tokenizers' tiktoken with its own
/// GPT-2 data file (gpt2.tiktoken, not our encoder.json), and OpenAI's encoder.py algorithm run in Python
/// (Fixtures/gpt2_encoder_py.json, written by make_gpt2_tokenizer_fixture.py).
/// </summary>
public sealed class Gpt2TokenizerTests(ITestOutputHelper log)
{
    private static readonly Lazy<Tokenizer> oracle = new(() => TiktokenTokenizer.CreateForModel("gpt2"));

    /// <summary>
    /// Text in many scripts and shapes. Letters and digits outside the Basic Multilingual Plane are left to the
    /// Python fixture: the oracle matches its pattern over UTF-16 code units and gets some of them wrong
    /// (<see cref="TheOracleSplitsAstralLettersByCodeUnitsAndScratchFollowsPython"/>).
    /// </summary>
    internal static readonly string[] UnicodeCorpus =
    [
        "你好，世界！机器学习是人工智能的一个分支，它使计算机能够从数据中学习。",
        "こんにちは、世界。東京は日本の首都です。カタカナとひらがなと漢字。",
        "안녕하세요 세계. 한국어 텍스트입니다.",
        "😀😃😄 👍🏽👍🏿 👨‍👩‍👧‍👦 👩🏽‍💻 🏳️‍🌈 🏴‍☠️ ❤️ ✨🎉",
        "🇫🇷🇯🇵🇺🇸🇩🇪 flags 🇬🇧 and a keycap 1️⃣ #️⃣",
        "e\u0301 a\u0308\u0323 n\u0303 cafe\u0301 café Z\u0351\u0357a\u0306\u0308l\u0352g\u0310o\u0300",
        "a  b   c\t\td\r\ne\n\n\nf   \n  g \u00A0h\u3000i\u2028j\u2029k\u0085l\u000Bm\u000Cn   ",
        "   leading spaces", "trailing spaces   ", "    ", "\t", "\r\n\r\n", "\n", " ", "  \n  x",
        "1234567890 3.14159 1,000,000 ２０２４年 ٣٤٥ १२३ Ⅻ ½ ¾ 10⁻³ x₂",
        "I'm you're he's she'd we'll they've don't It'S O'Neil 'tis rock'n'roll ''quoted'' 's 'll' I'M",
        "end.<|endoftext|>Begin", "<|endoftext|><|endoftext|>", " <|endoftext|> ", "<|endoftext", "<|endoftext|>",
        "Привет, мир! Γειά σου Κόσμε. مرحبا بالعالم. שלום עולם. สวัสดีชาวโลก नमस्ते दुनिया",
        "«quotes» “smart” ‘single’ — – … ©®™ € £ ¥ → ← ∀x∈ℝ: x²≥0 ≠ ∞",
        "\u0000\u0001\u001F\u007F\u00AD\uFEFFbom\u200Bzwsp\u200Frtl\uFFFD\uE000",
        "def f(x):\n    return x**2  # comment\n\tif (a && b) { c++; } // done\n",
        new string('a', 500), new string(' ', 300), new string('!', 200), string.Concat(Enumerable.Repeat("=-", 150)),
        string.Concat(Enumerable.Repeat("深度学习模型", 60)),
    ];

    [Fact]
    public void KnownIds()
    {
        var gpt2 = Corpus.Gpt2;
        Assert.Equal([15496, 995], gpt2.Encode("Hello world"));
        Assert.Equal([262], gpt2.Encode(" the"));
        Assert.Equal([198], gpt2.Encode("\n"));
        Assert.Equal([50256], gpt2.Encode("<|endoftext|>"));
        Assert.Empty(gpt2.Encode(""));
        Assert.Equal(50257, gpt2.VocabSize);
        Assert.Equal(50256, gpt2.EndOfTextId);
        Assert.Equal(50000, gpt2.Merges.Count);
        Assert.Equal("Ġworld", gpt2.VocabEntry(995));
        Assert.Equal(" world", gpt2.TokenText(995));
        Assert.Equal("\\n", gpt2.TokenText(198));
        Assert.Equal("\\xE2\\x80", gpt2.TokenText(447));   // the first two bytes of ’ (E2 80 99)
        Assert.Equal("Hello world", gpt2.Decode([15496, 995]));
        Assert.Equal("\uFFFD", gpt2.Decode([447]));            // half a character decodes to U+FFFD
        Assert.Throws<ArgumentOutOfRangeException>(() => gpt2.Decode([50257]));
    }

    [Fact]
    public void EqualsTheOracleOnAllOfTinyShakespeare()
    {
        var expected = oracle.Value.EncodeToIds(Corpus.Shakespeare);
        var actual = Corpus.Gpt2.Encode(Corpus.Shakespeare);
        Assert.Equal(338_025, actual.Length);
        AssertSameIds(expected, actual, Corpus.Shakespeare);
        log.WriteLine($"tiny Shakespeare: {actual.Length:N0} tokens equal to Microsoft.ML.Tokenizers' ({Corpus.Shakespeare.Length:N0} chars)");
    }

    [Fact]
    public void EqualsTheOracleOnAUnicodeCorpus()
    {
        var compared = 0;
        foreach (var text in UnicodeCorpus)
        {
            AssertSameIds(oracle.Value.EncodeToIds(text), Corpus.Gpt2.Encode(text), text);
            compared += Corpus.Gpt2.Encode(text).Length;
        }
        var all = string.Join("\n", UnicodeCorpus);
        AssertSameIds(oracle.Value.EncodeToIds(all), Corpus.Gpt2.Encode(all), "the whole corpus");
        compared += Corpus.Gpt2.Encode(all).Length;
        log.WriteLine($"Unicode corpus: {UnicodeCorpus.Length} texts and their concatenation, {compared:N0} tokens equal to the oracle's");
    }

    [Fact]
    public void EqualsTheOracleOnArbitraryTextFromThePlaneOfMostScripts()
    {
        // Pieces chosen to meet at every kind of boundary of the pattern; all in the BMP (see UnicodeCorpus).
        string[] pieces = ["a", "Z", "é", "中", "ß", "1", "٣", "½", " ", "  ", "\t", "\n", "\r\n", "\u00A0", "'", "'s", "'ll", "!",
            ".", "😀", "👍🏽", "e\u0301", "\u200B", "the", " the", "ing", "<|endoftext|>", "<|"];
        var texts = Gen.Elements(pieces).ArrayOf().Select(string.Concat).ToArbitrary();
        Corpus.Check(Prop.ForAll(texts, text => oracle.Value.EncodeToIds(text).SequenceEqual(Corpus.Gpt2.Encode(text))), 300);
    }

    /// <summary>
    /// Python's regex reads 𝔘 (U+1D518, a letter) as one code point in \p{L}; a UTF-16 regex sees two surrogates,
    /// neither a letter, and "[^\s\p{L}\p{N}]+" swallows the apostrophe: "𝔘'" "s" instead of "𝔘" "'s".
    /// </summary>
    [Fact]
    public void TheOracleSplitsAstralLettersByCodeUnitsAndScratchFollowsPython()
    {
        int[] python = [47728, 242, 246, 338];                 // encoder.py: "𝔘", "'s"
        Assert.Equal(python, Corpus.Gpt2.Encode("𝔘's"));
        Assert.Equal([47728, 242, 246, 6, 82], oracle.Value.EncodeToIds("𝔘's"));   // "𝔘'", "s"
        Assert.Equal(["𝔘", "'s"], Gpt2PreTokenizer.Split("𝔘's"));
        Assert.Equal(["𝔘'", "s"], Gpt2PreTokenizer.Reference.Matches("𝔘's").Select(m => m.Value));
    }

    [Fact]
    public void EqualsOpenAisEncoderPyRunInPython()
    {
        using var fixture = JsonDocument.Parse(File.ReadAllText(Path.Combine(Corpus.RepoRoot, "tests", "Gpt.Tests", "Fixtures", "gpt2_encoder_py.json")));
        var cases = fixture.RootElement.GetProperty("cases").EnumerateArray().ToList();
        Assert.True(cases.Count >= 10);
        foreach (var c in cases)
        {
            var text = c.GetProperty("text").GetString()!;
            var ids = c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            AssertSameIds(ids, Corpus.Gpt2.EncodeOrdinary(text), text);   // encoder.py has no special tokens
        }
        var shakespeare = fixture.RootElement.GetProperty("shakespeare");
        var all = Corpus.Gpt2.Encode(Corpus.Shakespeare);
        Assert.Equal(shakespeare.GetProperty("tokens").GetInt32(), all.Length);
        var bytes = new byte[all.Length * 4];
        for (var i = 0; i < all.Length; i++)
            BitConverter.TryWriteBytes(bytes.AsSpan(4 * i), all[i]);   // little-endian int32, as struct.pack("<i")
        Assert.Equal(shakespeare.GetProperty("sha256_int32le").GetString(), Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    [Fact]
    public void FastMergingEqualsEncoderPysLoop()
    {
        var gpt2 = Corpus.Gpt2;
        foreach (var text in UnicodeCorpus)
            Assert.Equal(gpt2.EncodeReference(text), gpt2.EncodeOrdinary(text));
        var passage = Corpus.Shakespeare[200_000..230_000];
        Assert.Equal(gpt2.EncodeReference(passage), gpt2.EncodeOrdinary(passage));
        Corpus.Check(Prop.ForAll(ScalarStrings(), text => gpt2.EncodeReference(text).SequenceEqual(gpt2.EncodeOrdinary(text))), 200);
    }

    [Fact]
    public void RoundTripsArbitraryStringsAndRejectsLoneSurrogates()
    {
        // FsCheck's strings are arbitrary UTF-16, lone surrogates included; those have no UTF-8 and must be rejected.
        var strings = ArbMap.Default.ArbFor<string>().Filter(s => s is not null);
        Corpus.Check(Prop.ForAll(strings, text =>
        {
            var bad = LoneSurrogate(text);
            if (bad < 0)
                return Corpus.Gpt2.Decode(Corpus.Gpt2.Encode(text)) == text;
            var error = Assert.Throws<ArgumentException>(() => Corpus.Gpt2.Encode(text));
            return error.Message.Contains($"unpaired surrogate U+{(int)text[bad]:X4} at position {bad}");
        }), 300);
        Corpus.Check(Prop.ForAll(ScalarStrings(), text => Corpus.Gpt2.Decode(Corpus.Gpt2.Encode(text)) == text), 300);
        Assert.Contains("unpaired surrogate U+D83D at position 2",
            Assert.Throws<ArgumentException>(() => Corpus.Gpt2.Encode("ab\uD83D")).Message);
        Assert.Contains("unpaired surrogate U+DC00 at position 0",
            Assert.Throws<ArgumentException>(() => Corpus.Gpt2.EncodeOrdinary("\uDC00\uD800")).Message);
    }

    [Fact]
    public void EndOfTextIsOneTokenWhenAllowedAnErrorWhenNotAndTextInEncodeOrdinary()
    {
        var gpt2 = Corpus.Gpt2;
        Assert.True(gpt2.AllowSpecial);
        Assert.Equal([64, 50256, 65], gpt2.Encode("a<|endoftext|>b"));
        Assert.Equal(oracle.Value.EncodeToIds("a<|endoftext|>b"), gpt2.Encode("a<|endoftext|>b"));
        Assert.Equal([27, 91, 437, 1659, 5239, 91, 29], gpt2.EncodeOrdinary("<|endoftext|>"));   // "<" "|" "end" "of" "text" "|" ">"
        Assert.Equal("a<|endoftext|>b", gpt2.Decode([64, 50256, 65]));
        Assert.Equal(gpt2.Decode([50256]), gpt2.Decode([27, 91, 437, 1659, 5239, 91, 29]));

        var strict = gpt2.WithAllowSpecial(false);
        Assert.False(strict.AllowSpecial);
        var error = Assert.Throws<ArgumentException>(() => strict.Encode("ab <|endoftext|>"));
        Assert.Contains("<|endoftext|> at position 3", error.Message);
        Assert.Contains("EncodeOrdinary", error.Message);
        Assert.Equal(gpt2.EncodeOrdinary("x<|endoftext|>"), strict.EncodeOrdinary("x<|endoftext|>"));
        Assert.Equal([15496, 995], strict.Encode("Hello world"));
    }

    [Fact]
    public void BytesToUnicodeIsEncoderPysTable()
    {
        Assert.Equal('Ġ', BytesToUnicode.Char(0x20));
        Assert.Equal('Ċ', BytesToUnicode.Char(0x0A));
        Assert.Equal('Ā', BytesToUnicode.Char(0x00));
        Assert.Equal('Ń', BytesToUnicode.Char(0xAD));
        Assert.Equal('ÿ', BytesToUnicode.Char(0xFF));
        var chars = Enumerable.Range(0, 256).Select(b => BytesToUnicode.Char((byte)b)).ToList();
        Assert.Equal(256, chars.Distinct().Count());
        Assert.Equal(188, Enumerable.Range(0, 256).Count(b => BytesToUnicode.Char((byte)b) == b));   // printable bytes stand for themselves
        Assert.All(Enumerable.Range(0, 256), b => Assert.True(BytesToUnicode.TryGetByte(BytesToUnicode.Char((byte)b), out var back) && back == b));
        Assert.Equal("Ġthe", BytesToUnicode.Encode(" the"u8));
        Assert.True(BytesToUnicode.TryDecode("Ġthe", out var bytes, out _));
        Assert.Equal(" the"u8.ToArray(), bytes);
        Assert.False(BytesToUnicode.TryDecode("a b", out _, out var bad));
        Assert.Equal(1, bad);
        // The byte tokens of GPT-2 are numbered in stand-in order: "!" is 0, a space ('Ġ') is 220.
        Assert.Equal([0], Corpus.Gpt2.Encode("!"));
        Assert.Equal([220], Corpus.Gpt2.Encode(" "));
    }

    /// <summary>Strings of Unicode scalar values from every plane, weighted towards the classes the pattern tells apart.</summary>
    internal static Arbitrary<string> ScalarStrings()
    {
        var scalar = Gen.Frequency(
            (3, Gen.Elements<int>(' ', ' ', '\n', '\t', '\'', 's', 'l', 'a', 'Z', '1', '!', 0x00A0, 0x3000, 0x1D518, 0x1D7D8, 0x1F600)),
            (3, Gen.Choose(0, 0x7F)),
            (2, Gen.Choose(0x80, 0xD7FF)),
            (1, Gen.Choose(0xE000, 0xFFFF)),
            (2, Gen.Choose(0x10000, 0x10FFFF)));
        return scalar.ArrayOf().Select(values => string.Concat(values.Select(v => new Rune(v).ToString()))).ToArbitrary();
    }

    /// <summary>The index of the first unpaired surrogate, or −1.</summary>
    internal static int LoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                i++;
            else if (char.IsSurrogate(text[i]))
                return i;
        }
        return -1;
    }

    /// <summary>Equal ids, or a message naming the first difference and the text around it.</summary>
    private static void AssertSameIds(IReadOnlyList<int> expected, IReadOnlyList<int> actual, string text)
    {
        var first = Enumerable.Range(0, Math.Min(expected.Count, actual.Count)).FirstOrDefault(i => expected[i] != actual[i], -1);
        if (first < 0 && expected.Count == actual.Count)
            return;
        first = first < 0 ? Math.Min(expected.Count, actual.Count) : first;
        var context = Corpus.Gpt2.Decode(actual.Skip(Math.Max(0, first - 3)).Take(6).ToArray());
        Assert.Fail($"ids differ at token {first} of {expected.Count} (expected {string.Join(",", expected.Skip(first).Take(5))}, "
            + $"got {string.Join(",", actual.Skip(first).Take(5))}) near \"{context}\" in {text[..Math.Min(text.Length, 60)]}");
    }
}
