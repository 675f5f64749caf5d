using FsCheck;
using FsCheck.Fluent;
using Scratch.Gpt.Tokenizers;

namespace Scratch.Gpt.Tests;

/// <summary>The hand-written matcher of OpenAI's pattern against .NET's regex with the same pattern.</summary>
public sealed class Gpt2PreTokenizerTests
{
    [Theory]
    [InlineData("Hello world, it's 2024!\n\n", new[] { "Hello", " world", ",", " it", "'s", " 2024", "!", "\n\n" })]
    [InlineData("a   b", new[] { "a", "  ", " b" })]
    [InlineData("a \n b", new[] { "a", " \n", " b" })]
    [InlineData("x\ty", new[] { "x", "\t", "y" })]
    [InlineData("x  ", new[] { "x", "  " })]
    [InlineData("?'s 's 'S", new[] { "?'", "s", " '", "s", " '", "S" })]
    [InlineData("we'll've", new[] { "we", "'ll", "'ve" })]
    [InlineData("a1b½", new[] { "a", "1", "b", "½" })]
    [InlineData("e\u0301", new[] { "e", "\u0301" })]          // a combining mark is neither letter nor digit
    [InlineData("𝔘𝔫 𝟘1", new[] { "𝔘𝔫", " 𝟘1" })]           // letters and digits beyond the BMP, as Python sees them
    [InlineData("", new string[0])]
    public void SplitsAsOpenAisPattern(string text, string[] pieces)
    {
        Assert.Equal(pieces, Gpt2PreTokenizer.Split(text));
    }

    [Fact]
    public void EqualsDotNetsRegexOnTextWithinTheBasicMultilingualPlane()
    {
        // Characters from every class of the pattern; the combining mark, format and private-use characters are "other".
        char[] chars = [' ', ' ', ' ', '\t', '\n', '\r', '\u000B', '\u0085', '\u00A0', '\u2028', '\u3000', '\'', 's', 't', 'r', 'e', 'v',
            'm', 'l', 'd', 'a', 'Z', 'é', 'ß', '中', 'ー', '1', '٣', '½', 'Ⅻ', '!', '.', '-', '\u0301', '\u200B', '\uE000', '\uFFFD', '€'];
        var texts = Gen.Elements(chars).ArrayOf().Select(cs => new string(cs)).ToArbitrary();
        Corpus.Check(Prop.ForAll(texts, text =>
            Gpt2PreTokenizer.Split(text).SequenceEqual(Gpt2PreTokenizer.Reference.Matches(text).Select(m => m.Value))), 1000);
        foreach (var text in Gpt2TokenizerTests.UnicodeCorpus.Where(t => !t.Any(char.IsSurrogate)))
            Assert.Equal(Gpt2PreTokenizer.Reference.Matches(text).Select(m => m.Value), Gpt2PreTokenizer.Split(text));
        var passage = Corpus.Shakespeare[..50_000];
        Assert.Equal(Gpt2PreTokenizer.Reference.Matches(passage).Select(m => m.Value), Gpt2PreTokenizer.Split(passage));
    }

    [Fact]
    public void PiecesConcatenateToTheText()
    {
        Corpus.Check(Prop.ForAll(Gpt2TokenizerTests.ScalarStrings(), text => string.Concat(Gpt2PreTokenizer.Split(text)) == text), 300);
    }
}
