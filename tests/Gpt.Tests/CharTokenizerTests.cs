using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Scratch.Gpt.Tokenizers;

namespace Scratch.Gpt.Tests;

public sealed class CharTokenizerTests
{
    [Fact]
    public void ShakespeareHas65CharactersAndRoundTrips()
    {
        var text = Corpus.Shakespeare;
        var tokenizer = CharTokenizer.FromText(text);
        Assert.Equal(65, tokenizer.VocabSize);
        Assert.Equal("\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            string.Concat(tokenizer.Vocab.Select(r => r.ToString())));
        var ids = tokenizer.Encode(text);
        Assert.Equal(text.Length, ids.Length);
        Assert.Equal(tokenizer.Encode("First")[0], tokenizer.Vocab.ToList().IndexOf(new Rune('F')));
        Assert.Equal(text, tokenizer.Decode(ids));
    }

    [Fact]
    public void UnknownCharacterErrorNamesTheCharacterAndItsPosition()
    {
        var tokenizer = CharTokenizer.FromText("abc");
        var error = Assert.Throws<ArgumentException>(() => tokenizer.Encode("abé"));
        Assert.Contains("'é' (U+00E9)", error.Message);
        Assert.Contains("position 2", error.Message);
        var newline = Assert.Throws<ArgumentException>(() => tokenizer.Encode("a\nb"));
        Assert.Contains("'\\n' (U+000A)", newline.Message);
    }

    [Fact]
    public void AnEmojiIsOneCharacterAndPositionsAreUtf16Indices()
    {
        var tokenizer = CharTokenizer.FromText("b😀a😀");
        Assert.Equal(3, tokenizer.VocabSize);
        Assert.Equal(["a", "b", "😀"], tokenizer.Vocab.Select(r => r.ToString()));
        Assert.Equal([2, 0, 1], tokenizer.Encode("😀ab"));
        Assert.Equal("😀ab", tokenizer.Decode([2, 0, 1]));
        var error = Assert.Throws<ArgumentException>(() => tokenizer.Encode("😀👍"));
        Assert.Contains("'👍' (U+1F44D)", error.Message);
        Assert.Contains("position 2", error.Message);
    }

    [Fact]
    public void LoneSurrogatesAreRejected()
    {
        var building = Assert.Throws<ArgumentException>(() => CharTokenizer.FromText("ab\uD83D"));
        Assert.Contains("unpaired surrogate U+D83D at position 2", building.Message);
        var tokenizer = CharTokenizer.FromText("ab");
        var encoding = Assert.Throws<ArgumentException>(() => tokenizer.Encode("a\uDE00b"));
        Assert.Contains("unpaired surrogate U+DE00 at position 1", encoding.Message);
        Assert.Throws<ArgumentException>(() => CharTokenizer.FromText(""));
    }

    [Fact]
    public void DecodingAnUnknownIdFails()
    {
        var tokenizer = CharTokenizer.FromText("ab");
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([0, 2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([-1]));
        Assert.Equal("ba", tokenizer.Decode(new List<int> { 1, 0 }));
    }

    [Fact]
    public void RoundTripsAnyTextOverItsVocabulary()
    {
        // vocabulary: ASCII letters, Chinese, an emoji and a combining accent
        var alphabet = "abc XYZ\n你好世界😀\u0301".EnumerateRunes().Select(r => r.ToString()).ToArray();
        var tokenizer = CharTokenizer.FromText(string.Concat(alphabet));
        var texts = Gen.Elements(alphabet).ArrayOf().Select(string.Concat).ToArbitrary();
        Corpus.Check(Prop.ForAll(texts, text =>
            tokenizer.Decode(tokenizer.Encode(text)) == text
            && tokenizer.Encode(text).Length == text.EnumerateRunes().Count()), 200);
    }

    [Fact]
    public void JsonSaveAndLoadRoundTrip()
    {
        var tokenizer = CharTokenizer.FromText(Corpus.Shakespeare[..5000] + "é😀");
        var path = Path.Combine(Path.GetTempPath(), $"scratch-char-{Guid.NewGuid():N}.json");
        try
        {
            tokenizer.Save(path);
            Assert.Contains("\"type\":\"char\"", File.ReadAllText(path));
            var loaded = Assert.IsType<CharTokenizer>(ITokenizer.Load(path));
            Assert.Equal(tokenizer.Vocab, loaded.Vocab);
            Assert.Equal(tokenizer.Encode("Hello é😀"), loaded.Encode("Hello é😀"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void BadJsonIsRejectedWithAReason()
    {
        Assert.Contains("appears twice", Assert.Throws<InvalidDataException>(
            () => ITokenizer.FromJson("""{"type":"char","vocab":["a","b","a"]}""")).Message);
        Assert.Contains("exactly one character", Assert.Throws<InvalidDataException>(
            () => ITokenizer.FromJson("""{"type":"char","vocab":["ab"]}""")).Message);
        Assert.Contains("unknown tokenizer type \"word\"", Assert.Throws<InvalidDataException>(
            () => ITokenizer.FromJson("""{"type":"word"}""")).Message);
        Assert.Contains("malformed", Assert.Throws<InvalidDataException>(() => ITokenizer.FromJson("{")).Message);
        var missing = Path.Combine(Path.GetTempPath(), "scratch-no-such-tokenizer.json");
        Assert.Contains(missing, Assert.Throws<FileNotFoundException>(() => ITokenizer.Load(missing)).Message);
    }
}
