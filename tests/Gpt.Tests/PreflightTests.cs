namespace Scratch.Gpt.Tests;

/// <summary>
/// Every command checks what it is pointed at and every number before it does any work: the error is one line
/// naming the flag, and nothing has run (no training line printed, no checkpoint read). Where a test gives a
/// checkpoint that does not exist, an error about the flag rather than the checkpoint shows the order of the checks.
/// </summary>
public sealed class PreflightTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    private string Missing => Path.Combine(cli.Dir, "no-checkpoint");

    private string AFile => cli.Write("a-file.txt", "not a folder");

    private string AFolder => Directory.CreateDirectory(Path.Combine(cli.Dir, "a-folder")).FullName;

    private static void AssertRefused(string[] args, params string[] named)
    {
        var (code, output, err) = CliRunner.Run(args);
        Assert.True(code == 1, $"exit {code}: {err}\n{output}");
        Assert.Equal("", output); // refused before any work: no "model:" or "step 0" line
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line, got:\n{err}");
        Assert.DoesNotContain("unexpected", err);
        foreach (var name in named)
        {
            Assert.Contains(name, lines[0]);
        }
    }

    private string[] Train(params string[] more) =>
        ["train", .. CliRunner.WithOverrides(["--data", cli.Corpus, "--out", Path.Combine(cli.Dir, "out"), .. CliRunner.TinyModel, "--max-iters", "1"], more)];

    [Fact]
    public void TrainRefusesAnOutThatIsAFileBeforeTraining()
    {
        AssertRefused(Train("--out", "/dev/null"), "--out /dev/null is a file"); // was "The file '/dev/null' already exists", after step 0
        AssertRefused(Train("--out", AFile), "--out", "a-file.txt is a file");
        AssertRefused(Train("--out", Path.Combine(AFile, "ckpt")), "--out", "a-file.txt is a file, not a folder");
    }

    [Fact]
    public void TrainRefusesAMetricsPathThatIsAFolderOrUnderAFile()
    {
        AssertRefused(Train("--metrics", AFolder), "--metrics", "a-folder is a folder"); // was "Access to the path … is denied"
        AssertRefused(Train("--metrics", Path.Combine(AFile, "m.jsonl")), "--metrics", "a-file.txt is a file, not a folder");
        Assert.False(Directory.Exists(Path.Combine(cli.Dir, "out")));
    }

    [Fact]
    public void OutputPathsWhereNoFileCanBeCreatedAreRefused()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // /proc takes no new files on Linux only
        }
        AssertRefused(Train("--out", "/proc/scratch-test-out"), "--out /proc/scratch-test-out cannot be written", "cannot create a file in /proc");
        AssertRefused(Train("--metrics", "/proc/scratch-test/m.jsonl"), "--metrics /proc/scratch-test/m.jsonl cannot be written");
        AssertRefused(["attention", "--ckpt", Missing, "--prompt", "a", "--out", "/proc/scratch-test.svg"], "--out /proc/scratch-test.svg cannot be written");
        AssertRefused(["quantize", "--ckpt", Missing, "--to", "int8-row", "--out", "/proc/scratch-test-q"], "--out /proc/scratch-test-q cannot be written");
    }

    [Fact]
    public void SvgOutputsMustBeFilesInFoldersThatExist()
    {
        AssertRefused(["attention", "--ckpt", Missing, "--prompt", "a", "--out", AFolder], "--out", "a-folder is a folder");
        AssertRefused(["attention", "--ckpt", Missing, "--prompt", "a", "--out", Path.Combine(cli.Dir, "nope", "a.svg")], "--out", "the folder", "does not exist");
        AssertRefused(["embeddings", "--ckpt", Missing, "--out", AFolder], "--out", "a-folder is a folder");
    }

    [Fact]
    public void QuantizeRefusesAnOutThatIsAFile() =>
        AssertRefused(["quantize", "--ckpt", Missing, "--to", "int8-row", "--out", "/dev/null"], "--out /dev/null is a file"); // was "The file '/dev/null' already exists"

    [Theory]
    [InlineData("train")]
    [InlineData("eval")]
    [InlineData("ngram")]
    public void ADirectoryGivenAsDataIsNamedAsOne(string command)
    {
        string[] args = command == "train" ? Train("--data", AFolder) : [command, "--data", AFolder, .. command == "eval" ? new[] { "--ckpt", Missing } : []];
        AssertRefused(args, "a-folder is a directory"); // was "corpus file not found"
    }

    [Fact]
    public void ADirectoryGivenToTokenizeIsNamedAsOne() =>
        AssertRefused(["tokenize", "--vocab", Corpus.Gpt2Dir, AFolder], "a-folder is a directory"); // was "input file not found"

    [Theory]
    [InlineData("eval")]
    [InlineData("sample")]
    [InlineData("chat")]
    [InlineData("params")]
    [InlineData("attention", "--prompt", "a", "--out", "x.svg")]
    [InlineData("embeddings", "--out", "x.svg")]
    [InlineData("quantize", "--to", "int8-row", "--out", "q")]
    [InlineData("tokenize")]
    [InlineData("ngram", "--data", "corpus")]
    public void ACheckpointThatIsAFileIsNamedAsOne(string command, params string[] more)
    {
        string[] args = [command, "--ckpt", AFile, .. more.Select(a => a == "corpus" ? cli.Corpus : a == "q" ? Path.Combine(cli.Dir, "q") : a)];
        AssertRefused(args, $"--ckpt {AFile} is a file"); // was "checkpoint directory not found"
    }

    [Fact]
    public void TrainRefusesAVocabThatIsAFile() =>
        AssertRefused(Train("--tokenizer", "gpt2", "--vocab", AFile), $"--vocab {AFile} is a file");

    /// <summary>Each flag is checked before the checkpoint is opened: the checkpoint does not exist, yet the error is about the flag.</summary>
    [Theory]
    [InlineData("--max-new-tokens must be ≥ 0, got -5", "ngram", "--max-new-tokens", "-5")] // accepted until now
    [InlineData("--n must be ≥ 1, got 0", "ngram", "--n", "0")]
    [InlineData("--smoothing must be a finite number > 0, got 0", "ngram", "--smoothing", "0")]
    [InlineData("--smoothing must be a finite number > 0, got NaN", "ngram", "--smoothing", "NaN")]
    [InlineData("--eval-windows must be ≥ 1, got 0", "ngram", "--eval-windows", "0")]
    [InlineData("--layer -1 is out of range", "attention", "--layer", "-1", "--prompt", "a", "--out", "x.svg")]
    [InlineData("--head -1 is out of range", "attention", "--head", "-1", "--prompt", "a", "--out", "x.svg")]
    [InlineData("--max-new-tokens must be ≥ 0, got -1", "sample", "--max-new-tokens", "-1")]
    [InlineData("--temperature must be a finite number ≥ 0, got -1", "sample", "--temperature", "-1")]
    [InlineData("--top-k must be ≥ 1, got 0", "chat", "--top-k", "0")]
    [InlineData("--max-new-tokens must be ≥ 1, got 0", "chat", "--max-new-tokens", "0")]
    [InlineData("--batch-size 0 must be positive", "eval", "--batch-size", "0")]
    [InlineData("--eval-iters -2 must be positive", "eval", "--eval-iters", "-2")]
    [InlineData("--top must be ≥ 1, got 0", "embeddings", "--top", "0", "--out", "x.svg")]
    public void EveryNumberIsInRangeBeforeAnythingIsRead(string message, string command, params string[] more)
    {
        string[] args = command == "ngram" ? [command, "--data", Missing, "--ckpt", Missing, .. more] : [command, "--ckpt", Missing, .. more];
        AssertRefused(args, message);
    }

    [Fact]
    public void AttentionChecksTheLayerAgainstTheConfigBeforeReadingTheWeights()
    {
        var ckpt = Path.Combine(cli.Dir, "ckpt");
        cli.Train(ckpt, "--max-iters", "1");
        File.Delete(Path.Combine(ckpt, "model.safetensors")); // the weights are not needed to know the model has one layer
        AssertRefused(["attention", "--ckpt", ckpt, "--prompt", "a", "--layer", "1", "--out", Path.Combine(cli.Dir, "a.svg")], "--layer 1 is out of range");
    }
}
