using System.CommandLine;
using System.Xml.Linq;
using Scratch.Gpt.Checkpoints;
using Scratch.Gpt.Cli;
using Scratch.Gpt.Model;
using Scratch.Gpt.Sampling;
using Scratch.Gpt.Tokenizers;
using Scratch.Tensors;

namespace Scratch.Gpt.Tests;

public sealed class InspectionCommandTests : IDisposable
{
    private const string Alphabet = "ROMEO:JULIET\n abcdefghijklmnopqrstuvwxyz.,";
    private readonly string dir = Path.Combine(Path.GetTempPath(), "scratch-inspect-" + Guid.NewGuid().ToString("N"));
    private readonly string ckpt;
    private readonly CharTokenizer tokenizer = CharTokenizer.FromText(Alphabet);
    private readonly GptModel<float> model;

    public InspectionCommandTests()
    {
        Directory.CreateDirectory(dir);
        ckpt = Path.Combine(dir, "ckpt");
        model = TinyModels.Create<float>(new GptConfig(BlockSize: 16, VocabSize: tokenizer.VocabSize, NLayer: 2, NHead: 2, NEmbd: 8));
        CheckpointLoader.Save(ckpt, model, tokenizer);
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static (int Code, string Out, string Err) RunWithInput(string input, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = new RootCommand
        {
            SampleCommand.Create(output, error),
            ChatCommand.Create(new StringReader(input), output, error),
            ParamsCommand.Create(output, error),
            AttentionCommand.Create(output, error),
            EmbeddingsCommand.Create(output, error),
            NGramCommand.Create(output, error),
        };
        int code = root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    private static (int Code, string Out, string Err) Run(params string[] args) => RunWithInput("", args);

    [Fact]
    public void GreedySampleStreamsThePromptAndTheModelsArgmaxContinuation()
    {
        var (code, output, error) = Run("sample", "--ckpt", ckpt, "--prompt", "hello", "--max-new-tokens", "30", "--temperature", "0");
        Assert.Equal(0, code);
        Assert.Equal("", error);
        var expected = Generator.Generate(new UncachedSource<float>(model), tokenizer.Encode("hello"), 30, SamplingOptions.Greedy, new Rng(0)).Select(t => t.Id).ToList();
        Assert.Equal("hello" + tokenizer.Decode(expected) + Environment.NewLine, output); // 35 > block_size 16: the window slid
    }

    [Fact]
    public void SeededSamplesRepeatAndShowProbsListsEveryToken()
    {
        string[] args = ["sample", "--ckpt", ckpt, "--prompt", "ab", "--max-new-tokens", "12", "--top-k", "5", "--top-p", "0.9", "--seed", "7"];
        Assert.Equal(Run(args).Out, Run(args).Out);
        var (code, output, _) = Run([.. args, "--show-probs"]);
        Assert.Equal(0, code);
        string[] lines = output.Split('\n');
        Assert.StartsWith("token", lines[0]);
        Assert.Equal(12, lines.Skip(1).TakeWhile(l => l.Length > 0).Count());
        Assert.Contains("--top-p", Run("sample", "--help").Out);
        Assert.Contains("cropped to the last block_size tokens", Run("sample", "--help").Out);
    }

    [Theory]
    [InlineData("not in the vocabulary", "sample", "--prompt", "hello!")]
    [InlineData("--prompt is empty", "sample", "--prompt", "")]
    [InlineData("--temperature must be a finite number ≥ 0, got -1", "sample", "--temperature", "-1")]
    [InlineData("--top-p must be in (0, 1], got 1.5", "sample", "--top-p", "1.5")]
    [InlineData("--top-k must be ≥ 1, got 0", "sample", "--top-k", "0")]
    [InlineData("--layer 2 is out of range: the model has layers 0 to 1", "attention", "--prompt", "ab", "--layer", "2", "--out", "x.svg")]
    [InlineData("--head 5 is out of range: each layer has heads 0 to 1", "attention", "--prompt", "ab", "--head", "5", "--out", "x.svg")]
    [InlineData("longer than block_size 16", "attention", "--prompt", "abcdefghijklmnopq", "--out", "x.svg")]
    [InlineData("'ab' is 2 tokens; give a single token", "embeddings", "--nearest", "ab")]
    public void BadInputIsOneLineOnStderr(string message, params string[] args)
    {
        var (code, output, error) = Run([args[0], "--ckpt", ckpt, .. args[1..]]);
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains(message, error);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void AMissingCheckpointIsOneLineOnStderr()
    {
        string missing = Path.Combine(dir, "nope");
        foreach (string[] args in new[]
        {
            new[] { "sample", "--ckpt", missing }, ["chat", "--ckpt", missing], ["params", "--ckpt", missing],
            ["attention", "--ckpt", missing, "--prompt", "a", "--out", "x.svg"], ["embeddings", "--ckpt", missing, "--out", "x.svg"],
        })
        {
            var (code, _, error) = Run(args);
            Assert.Equal(1, code);
            Assert.Equal($"scratch {args[0]}: error: checkpoint directory not found: {missing}", error.TrimEnd());
        }
        File.Delete(Path.Combine(ckpt, Scratch.Gpt.Training.Checkpoint.TokenizerFile));
        Assert.Contains("is missing tokenizer.json, which its checkpoint.json lists", Run("sample", "--ckpt", ckpt).Err);
    }

    [Fact]
    public void ChatReadsTurnsFromStdinAndStreamsReplies()
    {
        var (code, output, error) = RunWithInput("hello there\nhow are you\n", "chat", "--ckpt", ckpt, "--temperature", "0", "--max-new-tokens", "10");
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Equal(2, output.Split("JULIET:\n").Length - 1);
        var bad = RunWithInput("hi\n", "chat", "--ckpt", ckpt, "--system", "Zebra");
        Assert.Equal(1, bad.Code);
        Assert.Contains("not in the vocabulary", bad.Err);
    }

    [Fact]
    public void ParamsCountsPresetsAndCheckpoints()
    {
        var (code, output, _) = Run("params", "--preset", "gpt3-175b");
        Assert.Equal(0, code);
        Assert.Contains("174,604,259,328", output);
        Assert.Contains("617,558,016", output);
        Assert.Contains("27,938", output);
        Assert.Contains("124,439,808", Run("params").Out);
        Assert.Contains(model.ParameterCount().ToString("N0", System.Globalization.CultureInfo.InvariantCulture), Run("params", "--ckpt", ckpt).Out);
        Assert.Contains("unknown preset 'gpt9'", Run("params", "--preset", "gpt9").Err);
        Assert.Contains("not both", Run("params", "--preset", "gpt2", "--ckpt", ckpt).Err);
    }

    [Fact]
    public void AttentionWritesAnSvg()
    {
        string svg = Path.Combine(dir, "att.svg");
        var (code, output, error) = Run("attention", "--ckpt", ckpt, "--prompt", "ROMEO:\\nhi", "--layer", "1", "--out", svg);
        Assert.Equal((0, ""), (code, error));
        Assert.Contains("heads 0 to 1, 9 tokens", output);
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(2 * 9 * 9, XDocument.Load(svg).Descendants(ns + "rect").Count(r => r.Attribute("data-query") is not null));
    }

    [Fact]
    public void EmbeddingsListNearestAndAnalogyAndDrawAScatter()
    {
        string svg = Path.Combine(dir, "emb.svg");
        var (code, output, error) = Run("embeddings", "--ckpt", ckpt, "--nearest", "a", "--analogy", "a", "b", "c", "--top", "3", "--out", svg);
        Assert.Equal((0, ""), (code, error));
        Assert.Contains("nearest to 'a'", output);
        Assert.Contains("'a' − 'b' + 'c'", output);
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(tokenizer.VocabSize, XDocument.Load(svg).Descendants(ns + "circle").Count());
        Assert.Contains("give at least one of", Run("embeddings", "--ckpt", ckpt).Err);
    }

    [Fact]
    public void NGramReportsItsValLossAndTheGpts()
    {
        string corpus = Path.Combine(dir, "corpus.txt");
        File.WriteAllText(corpus, string.Concat(Enumerable.Repeat("ROMEO:\nhello there.\n\nJULIET:\nhow are you.\n\n", 20)));
        var (code, output, error) = Run("ngram", "--data", corpus, "--n", "3", "--smoothing", "0.5", "--max-new-tokens", "40");
        Assert.Equal((0, ""), (code, error));
        Assert.Contains("n-gram val loss:", output);
        Assert.Contains("sample:", output);
        var withGpt = Run("ngram", "--data", corpus, "--n", "2", "--ckpt", ckpt);
        Assert.Contains("GPT val loss:", withGpt.Out);
        Assert.Contains("--smoothing must be", Run("ngram", "--data", corpus, "--smoothing", "0").Err);
    }
}
