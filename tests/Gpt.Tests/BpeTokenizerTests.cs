using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Scratch.Gpt.Tokenizers;
using Scratch.Tensors;

namespace Scratch.Gpt.Tests;

public sealed class BpeTokenizerTests
{
    // Trained once: the first 100 KB of Shakespeare to 300 tokens, and a small mixed-script text so that
    // merges inside multi-byte characters (Chinese, emoji) exist too.
    private static readonly Lazy<BpeTokenizer> shakespeare = new(() => BpeTokenizer.Train(Corpus.Shakespeare[..100_000], 300));
    private static readonly Lazy<BpeTokenizer> mixed = new(() => BpeTokenizer.Train(
        string.Concat(Enumerable.Repeat("你好，世界！😀👍🏽 naïve café e\u0301 ", 20)) + Corpus.Shakespeare[..2000], 330));

    private static readonly string[] Explicit =
    [
        "", "a", "\0", "你好，世界", "😀👍🏽🇫🇷", "e\u0301 a\u0308\u0323", "naïve café", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\uFFFD\uFEFF",
        "First Citizen:\nBefore we proceed any further, hear me speak.", "the the the", "aaaaaaa",
    ];

    [Fact]
    public void RoundTripsExplicitTexts()
    {
        foreach (var tokenizer in new[] { shakespeare.Value, mixed.Value, new BpeTokenizer([]) })
            foreach (var text in Explicit)
                Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
        Assert.Empty(shakespeare.Value.Encode(""));
        Assert.True(mixed.Value.Encode("你好，世界").Length < Encoding.UTF8.GetByteCount("你好，世界"));
    }

    [Fact]
    public void RoundTripsArbitraryStringsAndRejectsLoneSurrogates()
    {
        // FsCheck's strings are arbitrary UTF-16, lone surrogates included: those must be rejected.
        var strings = ArbMap.Default.ArbFor<string>().Filter(s => s is not null);
        Corpus.Check(Prop.ForAll(strings, text =>
        {
            foreach (var tokenizer in new[] { shakespeare.Value, mixed.Value })
            {
                if (IsWellFormed(text, out var bad))
                {
                    if (tokenizer.Decode(tokenizer.Encode(text)) != text)
                        return false;
                }
                else
                {
                    var error = Assert.Throws<ArgumentException>(() => tokenizer.Encode(text));
                    if (!error.Message.Contains($"unpaired surrogate U+{(int)text[bad]:X4} at position {bad}"))
                        return false;
                }
            }
            return true;
        }), 300);
    }

    [Fact]
    public void RoundTripsArbitraryUnicodeScalarValues()
    {
        // All planes: every scalar value 0..10FFFF except the surrogate range.
        var scalar = Gen.Frequency(
            (3, Gen.Choose(0, 0x7F)),
            (2, Gen.Choose(0x80, 0xD7FF)),
            (1, Gen.Choose(0xE000, 0xFFFF)),
            (2, Gen.Choose(0x10000, 0x10FFFF)));
        var texts = scalar.ArrayOf().Select(values => string.Concat(values.Select(v => new Rune(v).ToString()))).ToArbitrary();
        Corpus.Check(Prop.ForAll(texts, text =>
            mixed.Value.Decode(mixed.Value.Encode(text)) == text
            && shakespeare.Value.Decode(shakespeare.Value.Encode(text)) == text), 300);
    }

    [Fact]
    public void LoneSurrogateErrorNamesItAndItsPosition()
    {
        var error = Assert.Throws<ArgumentException>(() => shakespeare.Value.Encode("ab\uD83D"));
        Assert.Contains("unpaired surrogate U+D83D at position 2", error.Message);
        Assert.Throws<ArgumentException>(() => BpeTokenizer.Train("x\uDC00y", 257));
    }

    [Fact]
    public void FirstMergesOnShakespeareArePinned()
    {
        var tokenizer = shakespeare.Value;
        Assert.Equal(300, tokenizer.VocabSize);
        Assert.Equal(44, tokenizer.Merges.Count);
        // Pinned so that a change to training is noticed: "e " is the most frequent pair of bytes, then "th", …
        string[] expected = ["e ", "th", "t ", "s ", "ou", ", ", "d ", "er", "an", "in", ":\\n", " th"];
        Assert.Equal(expected, tokenizer.Merges.Take(expected.Length).Select(m => tokenizer.TokenText(m.Id)));
        Assert.Equal(new BpeMerge('e', ' ', 256), tokenizer.Merges[0]);
        Assert.Equal(new BpeMerge(' ', 257, 267), tokenizer.Merges[11]);   // " th" = " " + "th"
        for (var k = 0; k < tokenizer.Merges.Count; k++)
            Assert.Equal(256 + k, tokenizer.Merges[k].Id);
    }

    [Fact]
    public void TrainingReportsEachMergeWithItsCount()
    {
        var reported = new List<(BpeMerge Merge, int Count)>();
        var tokenizer = BpeTokenizer.Train(Corpus.Shakespeare[..100_000], 260, (merge, count) => reported.Add((merge, count)));
        Assert.Equal(tokenizer.Merges, reported.Select(r => r.Merge));
        // The first merge's count is how often "e " occurs in the text, counted directly here.
        var text = Corpus.Shakespeare[..100_000];
        var direct = 0;
        for (var i = 0; i + 1 < text.Length; i++)
            if (text[i] == 'e' && text[i + 1] == ' ')
                direct++;
        Assert.Equal(direct, reported[0].Count);
    }

    [Fact]
    public void FastTrainingGivesTheReferenceMerges()
    {
        var text = Corpus.Shakespeare[..10_000];
        Assert.Equal(BpeTokenizer.TrainReference(text, 320).Merges, BpeTokenizer.Train(text, 320).Merges);

        // Small alphabets repeat pairs and make overlaps ("aaa") and ties common; é is two bytes.
        var texts = Gen.Elements("a", "b", " ", "é", "😀").ArrayOf().Select(string.Concat);
        var cases = Gen.Zip(texts, Gen.Choose(256, 300)).ToArbitrary();
        Corpus.Check(Prop.ForAll(cases, c =>
        {
            var (sample, vocabSize) = c;
            var fast = Outcome(() => BpeTokenizer.Train(sample, vocabSize));
            var reference = Outcome(() => BpeTokenizer.TrainReference(sample, vocabSize));
            return fast == reference;
        }), 300);

        static string Outcome(Func<BpeTokenizer> train)
        {
            try
            {
                return string.Join(";", train().Merges);
            }
            catch (ArgumentException)
            {
                return "out of pairs";
            }
        }
    }

    [Fact]
    public void FastEncodingGivesTheReferenceTokens()
    {
        string[] pieces = ["a", "b", " ", "é", "😀", "ab", "aaa"];
        var rng = new Rng(3);
        var training = string.Concat(Enumerable.Range(0, 2000).Select(_ => pieces[rng.NextInt(pieces.Length)]));
        var tokenizer = BpeTokenizer.Train(training, 290);
        var texts = Gen.Elements(pieces).ArrayOf().Select(string.Concat).ToArbitrary();
        Corpus.Check(Prop.ForAll(texts, text => tokenizer.Encode(text).SequenceEqual(tokenizer.EncodeReference(text))), 300);
        var passage = Corpus.Shakespeare[5000..8000];
        Assert.Equal(shakespeare.Value.EncodeReference(passage), shakespeare.Value.Encode(passage));
    }

    [Fact]
    public void EncodingADecodedSequenceGivesItBack()
    {
        var tokenizer = shakespeare.Value;
        var ids = tokenizer.Encode(Corpus.Shakespeare[100_000..103_000]);
        Assert.Equal(ids, tokenizer.Encode(tokenizer.Decode(ids)));
        Assert.True(ids.Length < 3000 * 3 / 4, $"{ids.Length} tokens for 3000 characters: merges should compress");
        Assert.All(ids, id => Assert.InRange(id, 0, tokenizer.VocabSize - 1));
    }

    [Fact]
    public void VocabularySizeIsExactlyAsAsked()
    {
        Assert.Equal(300, shakespeare.Value.VocabSize);
        Assert.Equal(512, BpeTokenizer.Train(Corpus.Shakespeare[..20_000], 512).VocabSize);
        var bytes = BpeTokenizer.Train("hello", 256);   // 256: no merges, the plain byte tokenizer
        Assert.Empty(bytes.Merges);
        Assert.Equal("hello"u8.ToArray().Select(b => (int)b), bytes.Encode("hello"));
        var tooSmall = Assert.Throws<ArgumentOutOfRangeException>(() => BpeTokenizer.Train("hello", 255));
        Assert.Contains("at least the 256 byte tokens", tooSmall.Message);
        var outOfPairs = Assert.Throws<ArgumentException>(() => BpeTokenizer.Train("aaaa", 259)); // aa·aa, then (aa aa): one token
        Assert.Contains("after 2 merges", outOfPairs.Message);
        // Fewer bytes than merges + 1 is refused before any counting (--vocab-size 2147483647 used to start training).
        var tooShort = Assert.Throws<ArgumentException>(() => BpeTokenizer.Train("abc", 260));
        Assert.Contains("needs 4 merges, but a text of 3 bytes allows at most 2", tooShort.Message);
        Assert.Contains("allows at most", Assert.Throws<ArgumentException>(() => BpeTokenizer.Train("abc", int.MaxValue)).Message);
        Assert.Throws<ArgumentException>(() => BpeTokenizer.Train("", 257));
    }

    [Fact]
    public void TokensRenderAsReadableText()
    {
        var tokenizer = mixed.Value;
        Assert.Equal("h", tokenizer.TokenText('h'));
        Assert.Equal("\\n", tokenizer.TokenText('\n'));
        Assert.Equal("\\xC3", tokenizer.TokenText(0xC3));
        Assert.Equal([0xC3, 0xA9], BpeTokenizer.Train("éé", 257).TokenBytes(256).ToArray());
        Assert.Equal("é", BpeTokenizer.Train("éé", 257).TokenText(256));
        Assert.Equal("\uFFFD", tokenizer.Decode([0xC3]));   // half a character decodes to U+FFFD
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([tokenizer.VocabSize]));
    }

    [Fact]
    public void JsonSaveAndLoadRoundTrip()
    {
        var tokenizer = mixed.Value;
        var path = Path.Combine(Path.GetTempPath(), $"scratch-bpe-{Guid.NewGuid():N}.json");
        try
        {
            tokenizer.Save(path);
            Assert.StartsWith("{\"type\":\"bpe\",\"vocab_size\":330,\"merges\":[[", File.ReadAllText(path));
            var loaded = Assert.IsType<BpeTokenizer>(ITokenizer.Load(path));
            Assert.Equal(tokenizer.Merges, loaded.Merges);
            foreach (var text in Explicit)
                Assert.Equal(tokenizer.Encode(text), loaded.Encode(text));
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Contains("does not exist yet", Assert.Throws<InvalidDataException>(
            () => ITokenizer.FromJson("""{"type":"bpe","merges":[[97,98],[256,257]]}""")).Message);
        Assert.Contains("vocab_size", Assert.Throws<InvalidDataException>(
            () => ITokenizer.FromJson("""{"type":"bpe","vocab_size":300,"merges":[[97,98]]}""")).Message);
        Assert.Contains("merges[1]", Assert.Throws<InvalidDataException>(
            () => ITokenizer.FromJson("""{"type":"bpe","merges":[[97,98],[1]]}""")).Message);
    }

    private static bool IsWellFormed(string text, out int badIndex)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                i++;
            else if (char.IsSurrogate(text[i]))
            {
                badIndex = i;
                return false;
            }
        }
        badIndex = -1;
        return true;
    }
}
