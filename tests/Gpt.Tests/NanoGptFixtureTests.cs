using System.Text.Json.Nodes;
using Scratch.Gpt.Model;
using Scratch.Nn.Checkpoints;
using Scratch.Tensors;
using Xunit.Abstractions;

namespace Scratch.Gpt.Tests;

/// <summary>
/// The end-to-end check against nanoGPT: tests/fixtures/make_gpt_fixture.py builds nanoGPT's GPT (model.py's classes)
/// with a small random configuration and saves its weights and, for one batch, the logits, the loss and every
/// parameter's gradient (computed in float64). Loaded into <see cref="GptModel{T}"/> in float32, Scratch must agree
/// to 1e-4, relative to the largest element of each tensor: max|a − e| / max|e|.
/// </summary>
public sealed class NanoGptFixtureTests(ITestOutputHelper log)
{
    private static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "fixtures", "gpt");

    [Fact]
    public void LogitsLossAndEveryGradientMatchNanoGpt() => AssertMatchesNanoGpt("");

    /// <summary>
    /// The same model with dropout 0.2, in training mode: nanoGPT's four dropouts (drop, and per block attn_dropout,
    /// resid_dropout, mlp.dropout) with the masks Scratch draws, made in the script by a Python copy of Scratch's
    /// generator seeded as the model's generator is here.
    /// </summary>
    [Fact]
    public void WithDropoutInTrainingLogitsLossAndEveryGradientMatchNanoGpt() => AssertMatchesNanoGpt("dropout_");

    private void AssertMatchesNanoGpt(string prefix)
    {
        var fixture = JsonNode.Parse(File.ReadAllText(Path.Combine(Dir, prefix + "fixture.json")))!;
        var config = GptConfig.FromJson(fixture["config"]!.ToJsonString());
        int B = (int)fixture["B"]!, T = (int)fixture["T"]!;
        int[] idx = fixture["idx"]!.AsArray().Select(v => (int)v!).ToArray();
        int[] targets = fixture["targets"]!.AsArray().Select(v => (int)v!).ToArray();
        var rng = new Rng(0);
        var model = new GptModel<float>(config, rng);
        model.LoadStateDict(Safetensors.Load<float>(Path.Combine(Dir, prefix + "weights.safetensors")).Tensors);
        var expected = Safetensors.Load<float>(Path.Combine(Dir, prefix + "expected.safetensors")).Tensors;
        if (fixture["dropout_seed"] is { } seed)
        {
            Assert.True(config.Dropout > 0 && model.Training);
            rng.SetState(new Rng((ulong)seed).GetState()); // the generator every dropout of the model draws from
        }

        var (logits, loss) = model.Forward(idx, targets, B, T);
        loss.Backward();

        var errors = new List<(string Name, double Error)>
        {
            ("logits", RelativeError(logits.Value, expected["logits"])),
            ("loss", RelativeError(loss.Value.Reshape(1), expected["loss"])),
        };
        foreach (var (name, parameter) in model.NamedParameters())
        {
            errors.Add(("grad." + name, RelativeError(parameter.Grad!, expected["grad." + name])));
        }
        Assert.Equal(2 + model.NamedParameters().Count, errors.Count);
        Assert.Equal(expected.Count, errors.Count); // every gradient in the fixture was compared
        var worst = errors.MaxBy(e => e.Error);
        log.WriteLine($"{prefix}worst relative error: {worst.Name} {worst.Error:e2}; logits {errors[0].Error:e2}, loss {errors[1].Error:e2}");
        Assert.True(worst.Error <= 1e-4, $"{prefix}worst: {worst.Name} relative error {worst.Error:e2}");
    }

    private static double RelativeError(Tensor<float> actual, Tensor<float> expected)
    {
        Assert.Equal(expected.ShapeArray(), actual.ShapeArray());
        float[] a = actual.ToArray(), e = expected.ToArray();
        double maxDiff = 0, maxAbs = 0;
        for (int i = 0; i < a.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs((double)a[i] - e[i]));
            maxAbs = Math.Max(maxAbs, Math.Abs((double)e[i]));
        }
        return maxDiff / Math.Max(maxAbs, 1e-30);
    }
}
