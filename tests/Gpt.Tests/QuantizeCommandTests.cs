using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using Scratch.Gpt.Checkpoints;
using Scratch.Gpt.Cli;
using Scratch.Gpt.Training;
using Scratch.Nn.Quantization;
using Scratch.Tensors;

namespace Scratch.Gpt.Tests;

/// <summary>
/// <c>scratch quantize</c>: the copy it writes loads in every command with a val loss close to the float32 one,
/// its file shrinks by the documented number of bytes, the source checkpoint is left byte for byte as it was, and
/// every misuse is one line on stderr.
/// </summary>
public sealed class QuantizeCommandTests : IDisposable
{
    private readonly CliRunner cli = new();
    private readonly string source;

    public QuantizeCommandTests()
    {
        source = Path.Combine(cli.Dir, "float32");
        cli.Train(source, "--max-iters", "20", "--eval-interval", "20");
    }

    public void Dispose() => cli.Dispose();

    private static Dictionary<string, string> Hashes(string dir) =>
        Directory.GetFiles(dir).ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    private double ValLoss(string dir)
    {
        var (code, output, err) = CliRunner.Run("eval", "--ckpt", dir, "--data", cli.Corpus, "--all");
        Assert.True(code == 0, err);
        return double.Parse(output.Trim()["val loss: ".Length..], CultureInfo.InvariantCulture);
    }

    [Theory]
    [InlineData("f16", 1e-3, 1.9)]         // 32 → 16 bits; the header and the float32 layer norms keep it under 2×
    [InlineData("bf16", 1e-2, 1.9)]
    [InlineData("int8-tensor", 2e-2, 3.5)] // 32 → 8 bits
    [InlineData("int8-row", 2e-2, 3.2)]    // 32 → 8 bits + one 32-bit scale per row of 32 (tiny model): 9 bits
    [InlineData("int4-g32", 0.15, 5.0)]    // 32 → 4 bits + 32 bits per 32 weights = 5 bits
    public void EveryCommandLoadsTheQuantizedCopy(string scheme, double lossTolerance, double minShrink)
    {
        var before = Hashes(source);
        string target = Path.Combine(cli.Dir, scheme);
        var (code, output, err) = CliRunner.Run("quantize", "--ckpt", source, "--to", scheme, "--out", target);
        Assert.True(code == 0, err);
        Assert.Equal("", err);
        Assert.Contains($"wrote {target}", output);
        Assert.Equal(before, Hashes(source)); // the source is only read

        // eval: close to the float32 loss; sample, attention, embeddings, params and chat all run on it.
        double full = ValLoss(source), quantized = ValLoss(target);
        Assert.InRange(Math.Abs(quantized - full), 0, lossTolerance);
        var sample = CliRunner.Run("sample", "--ckpt", target, "--prompt", "ROMEO:", "--max-new-tokens", "20", "--temperature", "0");
        Assert.True(sample.Code == 0, sample.Err);
        Assert.StartsWith("ROMEO:", sample.Out);
        Assert.Equal(0, CliRunner.Run("attention", "--ckpt", target, "--prompt", "ROMEO", "--out", Path.Combine(cli.Dir, scheme + ".svg")).Code);
        Assert.Equal(0, CliRunner.Run("embeddings", "--ckpt", target, "--nearest", "a", "--out", Path.Combine(cli.Dir, scheme + "-e.svg")).Code);
        Assert.Equal(0, CliRunner.Run("params", "--ckpt", target).Code);
        Assert.Equal(0, CliRunner.Run("ngram", "--data", cli.Corpus, "--n", "2", "--ckpt", target).Code);
        var chatOutput = new StringWriter();
        var chatError = new StringWriter();
        int chat = new RootCommand { ChatCommand.Create(new StringReader("hello\n"), chatOutput, chatError) }
            .Parse(["chat", "--ckpt", target, "--max-new-tokens", "5"]).Invoke(new InvocationConfiguration { Output = chatOutput, Error = chatError });
        Assert.True(chat == 0, chatError.ToString());

        // The file: the F32 tensors (layer norms) kept as they were, the matrices at the scheme's size.
        long shrunk = new FileInfo(Path.Combine(target, Checkpoint.ModelFile)).Length;
        long original = new FileInfo(Path.Combine(source, Checkpoint.ModelFile)).Length;
        Assert.True(original >= minShrink * shrunk, $"{scheme}: {original} → {shrunk} bytes");
        var (model, _) = Checkpoint.LoadModel(source, new Rng(0));
        long data = model.StateDict().Entries.Sum(e => e.Tensor.Rank == 2
            ? QuantizedTensor.Quantize(e.Tensor, QuantSchemes.Parse(scheme)).Bytes
            : 4L * e.Tensor.Count);
        var bytes = File.ReadAllBytes(Path.Combine(target, Checkpoint.ModelFile));
        Assert.Equal(8 + BitConverter.ToInt64(bytes, 0) + data, bytes.Length);
        Assert.Contains($"\"quantization\": \"{scheme}\"", File.ReadAllText(Path.Combine(target, Checkpoint.ConfigFile)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(source, Checkpoint.TokenizerFile)), File.ReadAllBytes(Path.Combine(target, Checkpoint.TokenizerFile)));
    }

    [Fact]
    public void TheLoadedWeightsAreTheDequantizedOnesAndLayerNormsStayExact()
    {
        string target = Path.Combine(cli.Dir, "int8");
        Assert.Equal(0, CliRunner.Run("quantize", "--ckpt", source, "--to", "int8-row", "--out", target).Code);
        var (original, _) = Checkpoint.LoadModel(source, new Rng(0));
        var (loaded, _) = Checkpoint.LoadModel(target, new Rng(1));
        var state = loaded.StateDict();
        foreach (var (name, w) in original.StateDict().Entries)
        {
            var expected = w.Rank == 2 ? QuantizedTensor.Quantize(w, QuantScheme.Int8PerRow).Dequantize() : w;
            Assert.Equal(expected.ToArray(), state[name].ToArray());
        }
    }

    private void AssertOneLineError(int expectedCode, string[] args, params string[] named)
    {
        var before = Hashes(source);
        var (code, output, err) = CliRunner.Run(args);
        Assert.Equal(expectedCode, code);
        Assert.Equal("", output);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line, got:\n{err}");
        Assert.StartsWith("scratch", lines[0]);
        Assert.DoesNotContain("   at ", err);
        foreach (var name in named)
        {
            Assert.Contains(name, lines[0]);
        }
        Assert.Equal(before, Hashes(source));
    }

    [Fact]
    public void MisuseIsOneLineAndNeverTouchesTheSource()
    {
        string elsewhere = Path.Combine(cli.Dir, "q");
        AssertOneLineError(1, ["quantize", "--ckpt", source, "--to", "int3", "--out", elsewhere], "unknown quantization scheme 'int3'", "int4-g32");
        AssertOneLineError(1, ["quantize", "--ckpt", source, "--to", "int8-row", "--out", source], "is the source checkpoint");
        AssertOneLineError(1, ["quantize", "--ckpt", source, "--to", "int8-row", "--out", source + Path.DirectorySeparatorChar], "is the source checkpoint");
        AssertOneLineError(1, ["quantize", "--ckpt", source, "--to", "int8-row", "--out", Path.Combine(source, "..", "float32")], "is the source checkpoint");
        AssertOneLineError(2, ["quantize", "--ckpt", source, "--to", "int8-row"], "--out");
        AssertOneLineError(2, ["quantize", "--ckpt", source, "--out", elsewhere], "--to");
        AssertOneLineError(1, ["quantize", "--ckpt", Path.Combine(cli.Dir, "nope"), "--to", "f16", "--out", elsewhere], "checkpoint directory not found");
        Assert.False(Directory.Exists(elsewhere));

        // A quantized copy is not quantized again, and a config.json that disagrees with the weights is an error.
        Assert.Equal(0, CliRunner.Run("quantize", "--ckpt", source, "--to", "f16", "--out", elsewhere).Code);
        var again = CliRunner.Run("quantize", "--ckpt", elsewhere, "--to", "int4-g32", "--out", Path.Combine(cli.Dir, "q2"));
        Assert.Equal(1, again.Code);
        Assert.Contains("already quantized (f16)", again.Err);
        string config = Path.Combine(elsewhere, Checkpoint.ConfigFile);
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"f16\"", "\"int8-row\"", StringComparison.Ordinal));
        var edited = CliRunner.Run("eval", "--ckpt", elsewhere, "--data", cli.Corpus);
        Assert.Equal(1, edited.Code);
        Assert.Contains("config.json does not belong to the saved state", edited.Err); // the manifest notices the edit first
        File.Delete(Path.Combine(elsewhere, CheckpointDirectory.ManifestFile)); // without it (an older checkpoint), config.json itself is checked
        var mismatch = CliRunner.Run("eval", "--ckpt", elsewhere, "--data", cli.Corpus);
        Assert.Equal(1, mismatch.Code);
        Assert.Contains("config.json says the weights are quantized as int8-row but the file holds quantized as f16", mismatch.Err);
    }
}
