namespace Scratch.Gpt.Tests;

/// <summary>Every way a command can be misused ends in one line on stderr that names the problem, and a non-zero exit.</summary>
public sealed class CliErrorTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    private void AssertOneLineError(string[] args, params string[] named)
    {
        var (code, _, err) = CliRunner.Run(args);
        Assert.NotEqual(0, code);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line, got:\n{err}");
        Assert.StartsWith("scratch", lines[0]);
        Assert.DoesNotContain("   at ", err); // no stack trace
        foreach (var name in named)
        {
            Assert.Contains(name, lines[0]);
        }
    }

    private string[] Train(params string[] more) => ["train", "--data", cli.Corpus, "--out", Path.Combine(cli.Dir, "out"), .. CliRunner.WithOverrides([.. CliRunner.TinyModel, "--max-iters", "1"], more)];

    [Fact]
    public void MissingCorpus() => AssertOneLineError(["train", "--data", Path.Combine(cli.Dir, "nope.txt")], "nope.txt", "not found");

    [Fact]
    public void EmptyCorpus() => AssertOneLineError(["train", "--data", cli.Write("empty.txt", "")], "empty.txt", "empty");

    [Fact]
    public void CorpusShorterThanABlock() =>
        AssertOneLineError(["train", "--data", cli.Write("short.txt", "To be, or not to be"), "--block-size", "16"], "short.txt", "block_size", "17");

    [Fact]
    public void HeadsNotDividingTheWidth() => AssertOneLineError(Train("--n-embd", "30", "--n-head", "4"), "--n-embd 30", "--n-head 4");

    [Fact]
    public void UnknownPreset() => AssertOneLineError(Train("--preset", "gpt5"), "gpt5", "baby");

    [Theory]
    [InlineData("--learning-rate", "-1")]
    [InlineData("--min-lr", "-0.5")]
    [InlineData("--batch-size", "0")]
    [InlineData("--max-iters", "-3")]
    [InlineData("--beta2", "1")]
    [InlineData("--dropout", "1.5")]
    [InlineData("--grad-clip", "-1")]
    [InlineData("--eval-interval", "0")]
    [InlineData("--tokenizer", "words")]
    [InlineData("--lr-decay-iters", "50")] // not after --warmup-iters 100
    public void BadFlagValue(string flag, string value) => AssertOneLineError(Train(flag, value), flag, value);

    [Theory]
    [InlineData("--learning-rate", "fast")]
    [InlineData("--max-iters", "1.5")]
    public void UnparsableFlagValue(string flag, string value) => AssertOneLineError(Train(flag, value), flag, value);

    [Fact]
    public void UnknownFlag() => AssertOneLineError(Train("--learning-rat", "1"), "--learning-rat");

    [Fact]
    public void ResumeWithoutACheckpoint() => AssertOneLineError(Train("--resume"), "out");

    [Fact]
    public void EvalOfAMissingCheckpoint() =>
        AssertOneLineError(["eval", "--ckpt", Path.Combine(cli.Dir, "none"), "--data", cli.Corpus], "none", "not found");

    [Theory]
    [InlineData("model.safetensors")]
    [InlineData("config.json")]
    [InlineData("tokenizer.json")]
    public void EvalOfACheckpointWithAFileMissing(string file)
    {
        var outDir = Path.Combine(cli.Dir, "out");
        cli.Train(outDir, "--max-iters", "1");
        File.Delete(Path.Combine(outDir, file));
        AssertOneLineError(["eval", "--ckpt", outDir, "--data", cli.Corpus], file);
    }

    [Theory]
    [InlineData("model.safetensors")]
    [InlineData("config.json")]
    [InlineData("optimizer.safetensors")]
    [InlineData("train_state.json")]
    public void ResumeFromACorruptCheckpoint(string file)
    {
        var outDir = Path.Combine(cli.Dir, "out");
        cli.Train(outDir, "--max-iters", "1");
        var bytes = File.ReadAllBytes(Path.Combine(outDir, file));
        File.WriteAllBytes(Path.Combine(outDir, file), bytes[..(bytes.Length / 2)]); // cut in half
        AssertOneLineError(Train("--resume", "--max-iters", "2"), file);
    }

    [Fact]
    public void EvalWithABadSplit()
    {
        var outDir = Path.Combine(cli.Dir, "out");
        cli.Train(outDir, "--max-iters", "1");
        AssertOneLineError(["eval", "--ckpt", outDir, "--data", cli.Corpus, "--split", "test"], "--split", "test");
    }

    [Fact]
    public void NoCommand() => AssertOneLineError([], "scratch");

    [Fact]
    public void OfflineDownloadSaysToPassData()
    {
        // A refused connection on localhost stands in for "offline"; the test never touches the network.
        var e = Assert.Throws<IOException>(() => Training.CorpusCache.Ensure(Path.Combine(cli.Dir, "cache", "t.txt"), "http://127.0.0.1:9/input.txt", TimeSpan.FromSeconds(5)));
        Assert.Contains("--data ../shared/data/tinyshakespeare.txt", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
