using Scratch.Gpt.Sampling;
using Scratch.Gpt.Tokenizers;
using Scratch.Tensors;

namespace Scratch.Gpt.Tests;

public sealed class ChatTests
{
    private static readonly CharTokenizer Tokenizer = CharTokenizer.FromText("AB:hiyo more\nabcdefg");

    /// <summary>A stand-in model that ignores its context and writes a fixed script, one character per call.</summary>
    private sealed class ScriptedSource(string script) : ILogitsSource
    {
        public int Calls { get; private set; }

        public int VocabSize => Tokenizer.VocabSize;

        public int BlockSize => 1000;

        public double[] NextLogits(IReadOnlyList<int> context)
        {
            var logits = new double[VocabSize];
            logits[Tokenizer.Encode(script[Calls % script.Length].ToString())[0]] = 10; // greedy picks the script's next character
            Calls++;
            return logits;
        }
    }

    [Fact]
    public void AReplyStopsWhereTheModelStartsTheUsersNextTurn()
    {
        var source = new ScriptedSource("yo\n\nA:\nmore");
        var chat = new ChatSession(source, Tokenizer, new ChatOptions("", "A:", "B:"), SamplingOptions.Greedy, new Rng(0));
        var pieces = chat.Reply("hi").ToList();
        Assert.Equal("yo\n", string.Concat(pieces));
        Assert.Equal(["y", "o", "\n"], pieces); // streamed; the second "\n" waited, then turned out to start "\nA:"
        Assert.Equal(6, source.Calls); // stopped as soon as "\nA:" was complete
        Assert.Equal("A:\nhi\n\nB:\nyo\n\n", chat.Transcript);
    }

    [Fact]
    public void AReplyStopsAtTheLengthLimitAndTurnsAccumulate()
    {
        var source = new ScriptedSource("abcdefg");
        var chat = new ChatSession(source, Tokenizer, new ChatOptions("hi", "A:", "B:", MaxReplyTokens: 3), SamplingOptions.Greedy, new Rng(0));
        Assert.Equal("abc", string.Concat(chat.Reply("yo")));
        Assert.Equal("def", string.Concat(chat.Reply("hi")));
        Assert.Equal("hi\n\nA:\nyo\n\nB:\nabc\n\nA:\nhi\n\nB:\ndef\n\n", chat.Transcript);
    }

    [Fact]
    public void RunReadsTurnsFromATextReader()
    {
        var source = new ScriptedSource("yo\nA:");
        var chat = new ChatSession(source, Tokenizer, new ChatOptions("", "A:", "B:"), SamplingOptions.Greedy, new Rng(0));
        var output = new System.Text.StringBuilder();
        chat.Run(new StringReader("hi\n\nho\n"), s => output.Append(s));
        Assert.Equal("B:\nyo\nB:\nyo\n", output.ToString());
        Assert.Equal("A:\nhi\n\nB:\nyo\n\nA:\nho\n\nB:\nyo\n\n", chat.Transcript);
    }

    [Fact]
    public void ARealModelChatsThroughTheKvCache()
    {
        var model = TinyModels.Create<float>(new Model.GptConfig(BlockSize: 64, VocabSize: Tokenizer.VocabSize, NLayer: 1, NHead: 2, NEmbd: 8));
        var cache = new KvCache<float>(model);
        var chat = new ChatSession(cache, Tokenizer, new ChatOptions("", "A:", "B:", MaxReplyTokens: 5), new SamplingOptions(1.0), new Rng(3));
        string first = string.Concat(chat.Reply("hi"));
        Assert.DoesNotContain(chat.StopText, first);
        string afterFirst = chat.Transcript;
        string second = string.Concat(chat.Reply("yo"));
        Assert.StartsWith(afterFirst + "A:\nyo\n\nB:\n", chat.Transcript, StringComparison.Ordinal); // later turns see earlier ones
        Assert.True(cache.Tokens.Count > Tokenizer.Encode(afterFirst).Length); // the second turn extended the cached first
        Assert.True(second.Length <= 5);
    }

    [Fact]
    public void UnknownCharactersAreAnError()
    {
        var chat = new ChatSession(new ScriptedSource("yo"), Tokenizer, new ChatOptions("", "A:", "B:"), SamplingOptions.Greedy, new Rng(0));
        var error = Assert.Throws<ArgumentException>(() => chat.Reply("zzz"));
        Assert.Contains("not in the vocabulary", error.Message);
    }

    [Fact]
    public void ALineWithAnUnknownCharacterIsNotSentAndTheChatGoesOn()
    {
        var source = new ScriptedSource("yo\nA:");
        var chat = new ChatSession(source, Tokenizer, new ChatOptions("hi", "A:", "B:"), SamplingOptions.Greedy, new Rng(0));
        var output = new System.Text.StringBuilder();
        var rejected = new List<string>();
        chat.Run(new StringReader("hi\nho ho z\nho\n"), s => output.Append(s), rejected.Add);
        // The 7th character of that line, not its place in the hidden transcript ("hi\n\nA:\nhi\n\nB:\nyo\n\nA:\nho ho z").
        Assert.Equal(["your line was not sent: character 7, 'z' (U+007A), is not in the vocabulary (18 tokens); type it again without it"], rejected);
        Assert.Equal("B:\nyo\nB:\nyo\n", output.ToString()); // both good lines were answered
        Assert.Equal("hi\n\nA:\nhi\n\nB:\nyo\n\nA:\nho\n\nB:\nyo\n\n", chat.Transcript); // the bad line left no trace
    }

    [Theory]
    [InlineData("--system", "hi Zed")]
    [InlineData("--user-prefix", "Q:")]
    [InlineData("--assistant-prefix", "B!")]
    public void APromptOrPrefixWithAnUnknownCharacterFailsAtTheStartNamingIt(string flag, string text)
    {
        var options = flag switch
        {
            "--system" => new ChatOptions(text, "A:", "B:"),
            "--user-prefix" => new ChatOptions("", text, "B:"),
            _ => new ChatOptions("", "A:", text),
        };
        var error = Assert.Throws<ArgumentException>(() => new ChatSession(new ScriptedSource("yo"), Tokenizer, options, SamplingOptions.Greedy, new Rng(0)));
        Assert.StartsWith($"{flag}: character ", error.Message);
        Assert.Contains("is not in the vocabulary", error.Message);
    }
}
