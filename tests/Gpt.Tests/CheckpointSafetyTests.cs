using System.Security.Cryptography;
using Scratch.Gpt.Checkpoints;
using Scratch.Gpt.Model;
using Scratch.Gpt.Tokenizers;
using Scratch.Gpt.Training;
using Scratch.Nn.Checkpoints;
using Scratch.Nn.Optimizers;
using Scratch.Tensors;

namespace Scratch.Gpt.Tests;

/// <summary>
/// A checkpoint directory changes from one saved state to the next at once: a save stopped at any point leaves
/// exactly one of them; files from different saves are refused; leftovers are cleaned; weights that cannot compute
/// and a config.json that does not fit the weights are refused before they cost anything.
/// </summary>
[Collection(nameof(CheckpointDirectory))] // StepHook is process-wide
public sealed class CheckpointSafetyTests : IDisposable
{
    private readonly CliRunner cli = new();
    private static readonly GptConfig Config = new(BlockSize: 8, VocabSize: 65, NLayer: 1, NHead: 2, NEmbd: 16);
    private static readonly ITokenizer Tokenizer = CharTokenizer.FromText(Corpus.Shakespeare);

    public void Dispose()
    {
        CheckpointDirectory.StepHook = null;
        cli.Dispose();
    }

    /// <summary>A saved training state: a model drawn from <paramref name="seed"/>, an optimiser with one step of moments, at <paramref name="iteration"/>.</summary>
    private static void SaveState(string dir, int iteration, ulong seed)
    {
        var model = new GptModel<float>(Config, new Rng(seed));
        var optimizer = new AdamW<float>(model.Parameters());
        var idx = Enumerable.Range(0, 8).Select(i => (i * 5 + (int)seed) % 65).ToArray();
        var (_, loss) = model.Forward(idx, idx, 1, 8);
        loss.Backward();
        optimizer.Step();
        var state = new TrainState(iteration, new Rng(seed + 1).GetState(), new Rng(seed + 2).GetState(), 4.0 - iteration, [new EvalPoint(iteration, 4.1, 4.0 - iteration)], 1337);
        Checkpoint.Save(dir, model, Tokenizer, optimizer, state);
    }

    /// <summary>What a reader of <paramref name="dir"/> gets: the iteration of each file it loads, checked to agree, and the weights.</summary>
    private static (int Iteration, float[] Weights) Load(string dir)
    {
        var (model, _) = Checkpoint.LoadModel(dir, new Rng(0));
        var state = Checkpoint.LoadState(dir);
        var optimizer = new AdamW<float>(model.Parameters());
        Checkpoint.LoadOptimizer(dir, optimizer); // checked against the manifest too
        return (state.Iteration, model.StateDict().Entries.SelectMany(e => e.Tensor.ToArray()).ToArray());
    }

    private static string[] Leftovers(string dir) =>
        [.. Directory.EnumerateFiles(dir).Select(Path.GetFileName).Where(n => n!.EndsWith(".tmp", StringComparison.Ordinal) || n.EndsWith(".new", StringComparison.Ordinal) || n.EndsWith(".pending", StringComparison.Ordinal))!];

    private static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    [Fact]
    public void ASaveStoppedAtAnyPointLeavesExactlyOneSavedStateAndTheNextSaveCleansUp()
    {
        string before = Path.Combine(cli.Dir, "before"), after = Path.Combine(cli.Dir, "after");
        SaveState(before, 1, seed: 10);
        SaveState(after, 2, seed: 20);
        var (_, weightsBefore) = Load(before);
        var (_, weightsAfter) = Load(after);
        Assert.NotEqual(weightsBefore, weightsAfter);

        var points = new List<string>();
        CheckpointDirectory.StepHook = points.Add;
        SaveState(Path.Combine(cli.Dir, "probe"), 2, seed: 20);
        CheckpointDirectory.StepHook = null;
        Assert.Contains("committed", points);
        Assert.True(points.Count >= 14, string.Join(", ", points)); // 6 files staged, the commit, 6 renamed, done

        foreach (string point in points)
        {
            string dir = Path.Combine(cli.Dir, "at-" + point.Replace(' ', '-'));
            CopyDir(before, dir);
            CheckpointDirectory.StepHook = p => { if (p == point) { throw new IOException($"stopped at {p}"); } };
            Assert.Throws<IOException>(() => SaveState(dir, 2, seed: 20));
            CheckpointDirectory.StepHook = null;

            bool committed = points.IndexOf(point) >= points.IndexOf("committed");
            var (iteration, weights) = Load(dir);
            Assert.Equal(committed ? 2 : 1, iteration);
            Assert.Equal(committed ? weightsAfter : weightsBefore, weights);

            SaveState(dir, 3, seed: 30); // the next save finishes or discards the interrupted one
            Assert.Equal(3, Load(dir).Iteration);
            Assert.Empty(Leftovers(dir));
        }
    }

    [Fact]
    public void AFileFromAnotherSaveIsRefusedNamingTheIterationOfEach()
    {
        string one = Path.Combine(cli.Dir, "one"), two = Path.Combine(cli.Dir, "two");
        SaveState(one, 1200, seed: 1);
        SaveState(two, 1201, seed: 2);
        File.Copy(Path.Combine(two, Checkpoint.ModelFile), Path.Combine(one, Checkpoint.ModelFile), overwrite: true);

        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadModel(one, new Rng(0)));
        Assert.Contains("model.safetensors does not belong to the saved state", error.Message);
        Assert.Contains("checkpoint.json is iteration 1200", error.Message);
        Assert.Contains("from iteration 1201", error.Message);
        Assert.DoesNotContain('\n', error.Message);

        File.Copy(Path.Combine(two, Checkpoint.StateFile), Path.Combine(one, Checkpoint.StateFile), overwrite: true);
        Assert.Contains("train_state.json does not belong to the saved state", Assert.Throws<InvalidDataException>(() => Checkpoint.LoadState(one)).Message);
        var (code, _, err) = CliRunner.Run("eval", "--ckpt", one, "--data", cli.Corpus);
        Assert.Equal(1, code);
        Assert.StartsWith("scratch eval: error: checkpoint ", err);
    }

    [Fact]
    public void TheNextSaveRemovesWhatKilledSavesLeftAndNothingElse()
    {
        string dir = Path.Combine(cli.Dir, "ckpt");
        SaveState(dir, 1, seed: 1);
        string[] leftovers = [".model.safetensors.0123abcd.tmp", "..optimizer.safetensors.new.4567.tmp", ".optimizer.safetensors.new", "train_state.json.tmp", ".loss.svg.tmp"];
        string[] theirs = ["notes.tmp", ".hidden", "model.safetensors.bak", ".profile.new"];
        foreach (string name in leftovers.Concat(theirs))
        {
            File.WriteAllText(Path.Combine(dir, name), "x");
        }
        Assert.Equal(1, Load(dir).Iteration); // a reader ignores them and changes nothing
        Assert.All(leftovers, name => Assert.True(File.Exists(Path.Combine(dir, name))));

        SaveState(dir, 2, seed: 2);
        Assert.All(leftovers, name => Assert.False(File.Exists(Path.Combine(dir, name)), name));
        Assert.All(theirs, name => Assert.True(File.Exists(Path.Combine(dir, name)), name));
    }

    [Fact]
    public void AnExportOverATrainingCheckpointReplacesTheWholeState()
    {
        string dir = Path.Combine(cli.Dir, "ckpt");
        SaveState(dir, 5, seed: 1);
        CheckpointLoader.Save(dir, new GptModel<float>(Config, new Rng(9)), Tokenizer);
        Assert.False(File.Exists(Path.Combine(dir, Checkpoint.OptimizerFile)));
        Assert.False(File.Exists(Path.Combine(dir, Checkpoint.StateFile)));
        Assert.Null(CheckpointDirectory.Manifest(dir)!.Iteration);
        Assert.Contains("has no train_state.json", Assert.Throws<FileNotFoundException>(() => Checkpoint.LoadState(dir)).Message);
    }

    [Fact]
    public void ParameterShapesAreTheModelsStateDictWithoutAllocatingIt()
    {
        foreach (bool bias in new[] { false, true })
        {
            var config = Config with { NLayer = 2, Bias = bias };
            var stateDict = new GptModel<float>(config, new Rng(0)).StateDict();
            var shapes = Checkpoint.ParameterShapes(config);
            Assert.Equal(stateDict.Entries.Select(e => e.Name).Order(), shapes.Keys.Order());
            Assert.All(stateDict.Entries, e => Assert.Equal(e.Tensor.ShapeArray(), shapes[e.Name]));
        }
    }

    [Fact]
    public void AConfigThatDoesNotFitTheWeightsIsRefusedBeforeTheModelIsBuilt()
    {
        string dir = Path.Combine(cli.Dir, "ckpt");
        CheckpointLoader.Save(dir, new GptModel<float>(Config, new Rng(1)), Tokenizer);
        File.Delete(Path.Combine(dir, CheckpointDirectory.ManifestFile)); // as a hand-edited or older checkpoint, unchecked by a manifest
        string config = Path.Combine(dir, Checkpoint.ConfigFile);
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"vocab_size\": 65", "\"vocab_size\": 10000000", StringComparison.Ordinal));

        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadModel(dir, new Rng(0)));
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Assert.Contains("'transformer.wte.weight' is (65, 16) in the file but config.json's model needs (10000000, 16)", error.Message);
        Assert.True(allocated < 50_000_000, $"{allocated:N0} bytes allocated before the error"); // the model would be 640 MB
    }

    [Fact]
    public void WeightsThatAreNotFiniteAreRefusedNamingTheTensorUnlessAllowed()
    {
        string dir = Path.Combine(cli.Dir, "ckpt");
        var model = new GptModel<float>(Config, new Rng(1));
        var weights = new Nn.StateDict<float>();
        string name = "transformer.h.0.mlp.c_fc.weight";
        foreach (var (key, tensor) in model.StateDict().Entries)
        {
            float[] values = tensor.ToArray();
            if (key == name)
            {
                values[3] = float.NaN;
                values[7] = float.PositiveInfinity;
            }
            weights.Add(key, Tensor<float>.FromArray(values, tensor.ShapeArray()));
        }
        model.LoadStateDict(weights);
        CheckpointLoader.Save(dir, model, Tokenizer);

        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadModel(dir, new Rng(0)));
        Assert.Contains($"'{name}' holds 2 non-finite weights (the first, element 3, is NaN)", error.Message);
        var (code, _, err) = CliRunner.Run("eval", "--ckpt", dir, "--data", cli.Corpus);
        Assert.Equal(1, code);
        Assert.Contains("non-finite weights", err);
        Assert.True(float.IsNaN(Checkpoint.LoadModel(dir, new Rng(0), allowNonFinite: true).Model.StateDict()[name].ToArray()[3]));
    }

    [Fact]
    public void TrainRefusesToReplaceACheckpointUnaskedAndNamesIt()
    {
        string dir = Path.Combine(cli.Dir, "run");
        cli.Train(dir, "--max-iters", "4", "--eval-interval", "2");
        var before = Hashes(dir);
        var state = Checkpoint.LoadState(dir);

        var (code, _, err) = CliRunner.Run(["train", "--data", cli.Corpus, "--out", dir, .. CliRunner.TinyModel, "--max-iters", "2"]);
        Assert.Equal(1, code);
        Assert.Equal($"scratch train: error: --out {dir} already holds a checkpoint (iteration 4, best val loss {state.BestValLoss:0.0000}); "
            + "continue it with --resume, or replace it with --overwrite", err.TrimEnd());
        Assert.Equal(before, Hashes(dir));

        var both = CliRunner.Run(["train", "--data", cli.Corpus, "--out", dir, "--resume", "--overwrite"]);
        Assert.Equal(1, both.Code);
        Assert.Contains("give one of them", both.Err);
        Assert.Equal(before, Hashes(dir));

        cli.Train(dir, "--max-iters", "2", "--overwrite");
        Assert.Equal(2, Checkpoint.LoadState(dir).Iteration);

        var nothing = CliRunner.Run("train", "--data", cli.Corpus, "--out", Path.Combine(cli.Dir, "empty"), "--resume");
        Assert.Equal(1, nothing.Code);
        Assert.Contains("holds no checkpoint to continue; train without --resume", nothing.Err);
    }

    [Fact]
    public void ResumeRefusesShapeTokenizerAndSeedFlagsThatDisagreeWithTheCheckpoint()
    {
        string dir = Path.Combine(cli.Dir, "run");
        cli.Train(dir, "--max-iters", "2", "--seed", "5");
        var before = Hashes(dir);

        var (code, _, err) = CliRunner.Run(["train", "--data", cli.Corpus, "--out", dir, "--resume", "--max-iters", "4",
            "--n-layer", "2", "--n-head", "2", "--n-embd", "32", "--block-size", "16", "--tokenizer", "bpe", "--seed", "6", "--bias", "true", "--preset", "shakespeare-char"]);
        Assert.Equal(1, code);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.Contains("--n-layer 2 (the checkpoint's is 1)", err);
        Assert.Contains("--tokenizer bpe (the checkpoint's is char)", err);
        Assert.Contains("--seed 6 (the checkpoint's is 5)", err);
        Assert.Contains("--bias true (the checkpoint's is false)", err);
        Assert.Contains("--preset shakespeare-char makes n_layer 2, n_head 2, n_embd 32, block_size 16, dropout 0.2, bias true", err);
        Assert.DoesNotContain("--n-embd 32", err); // 32, 2 and 16 are the checkpoint's
        Assert.DoesNotContain("--n-head 2", err);
        Assert.Equal(before, Hashes(dir));

        // The same command again with --resume and a longer schedule: every flag agrees, so it continues.
        cli.Train(dir, "--max-iters", "4", "--seed", "5", "--resume", "--learning-rate", "5e-4");
        Assert.Equal(4, Checkpoint.LoadState(dir).Iteration);
        Assert.Contains("--max-iters", CliRunner.Run("train", "--help").Out); // the flags that may change are listed
    }

    [Fact]
    public void QuantizeNeverWritesOverATrainingCheckpointButReplacesItsOwnCopy()
    {
        string run = Path.Combine(cli.Dir, "run"), other = Path.Combine(cli.Dir, "other"), copy = Path.Combine(cli.Dir, "copy");
        SaveState(run, 7, seed: 1);
        SaveState(other, 9, seed: 2);
        var before = Hashes(other);
        var (code, _, err) = CliRunner.Run("quantize", "--ckpt", run, "--to", "int8-row", "--out", other);
        Assert.Equal(1, code);
        Assert.Contains($"--out {other} already holds a checkpoint that is not a quantized copy", err);
        Assert.Equal(before, Hashes(other));

        Assert.Equal(0, CliRunner.Run("quantize", "--ckpt", run, "--to", "int8-row", "--out", copy).Code);
        Assert.Equal(0, CliRunner.Run("quantize", "--ckpt", run, "--to", "f16", "--out", copy).Code); // its own earlier copy: replaced
        Assert.Contains("\"f16\"", File.ReadAllText(Path.Combine(copy, Checkpoint.ConfigFile)));
    }

    private static Dictionary<string, string> Hashes(string dir) => Directory.EnumerateFiles(dir)
        .ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));
}
