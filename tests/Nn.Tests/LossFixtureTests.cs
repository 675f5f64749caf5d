using System.Text.Json;
using Scratch.Autograd;
using Scratch.Nn.Losses;
using Scratch.Tensors;

namespace Scratch.Nn.Tests;

/// <summary>
/// The losses' values and gradients against PyTorch (float64), from tests/fixtures/nn/losses.json written by
/// tests/fixtures/make_nn_loss_fixtures.py: MSE and binary cross-entropy with logits (gradients of both
/// arguments), and cross-entropy with an ignore index (−1, or a real class).
/// </summary>
public sealed class LossFixtureTests
{
    private const double Tolerance = 1e-10;

    private static readonly JsonElement[] Cases = Load();

    private static JsonElement[] Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures.Directory, "losses.json")));
        return document.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.Clone()).ToArray();
    }

    private static Tensor<double> Tensor(JsonElement json) =>
        Tensor<double>.FromArray(json.GetProperty("data").EnumerateArray().Select(e => e.GetDouble()).ToArray(),
            json.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray());

    private static JsonElement Case(string name) => Cases.Single(c => c.GetProperty("name").GetString() == name);

    public static TheoryData<string> Names(string prefix) =>
        new(Cases.Select(c => c.GetProperty("name").GetString()!).Where(n => n.StartsWith(prefix, StringComparison.Ordinal)));

    [Theory]
    [MemberData(nameof(Names), "mse")]
    [MemberData(nameof(Names), "bce")]
    public void TwoInputLossesMatchPyTorch(string name)
    {
        var fixture = Case(name);
        var prediction = new Var<double>(Tensor(fixture.GetProperty("prediction")), requiresGrad: true);
        var target = new Var<double>(Tensor(fixture.GetProperty("target")), requiresGrad: true);

        var loss = name.StartsWith("mse", StringComparison.Ordinal)
            ? Loss.Mse(prediction, target)
            : Loss.BinaryCrossEntropyWithLogits(prediction, target);
        loss.Backward();

        Fixtures.AssertClose([fixture.GetProperty("loss").GetDouble()], [loss.Value.Item()], Tolerance, $"{name} loss");
        Fixtures.AssertClose(Tensor(fixture.GetProperty("prediction_grad")).ToArray(), prediction.Grad!.ToArray(), Tolerance, $"{name} gradient of the prediction");
        Fixtures.AssertClose(Tensor(fixture.GetProperty("target_grad")).ToArray(), target.Grad!.ToArray(), Tolerance, $"{name} gradient of the target");
    }

    [Theory]
    [MemberData(nameof(Names), "cross_entropy")]
    public void CrossEntropyWithIgnoreIndexMatchesPyTorch(string name)
    {
        var fixture = Case(name);
        var logits = new Var<double>(Tensor(fixture.GetProperty("logits")), requiresGrad: true);
        int[] targets = fixture.GetProperty("targets").EnumerateArray().Select(e => e.GetInt32()).ToArray();

        var loss = Loss.CrossEntropy(logits, targets, fixture.GetProperty("ignore_index").GetInt32());
        loss.Backward();

        Fixtures.AssertClose([fixture.GetProperty("loss").GetDouble()], [loss.Value.Item()], Tolerance, $"{name} loss");
        Fixtures.AssertClose(Tensor(fixture.GetProperty("logits_grad")).ToArray(), logits.Grad!.ToArray(), Tolerance, $"{name} gradient of the logits");
    }

    [Fact]
    public void BinaryCrossEntropyIsFiniteForHugeLogits()
    {
        var logits = new Var<double>(Tensor<double>.FromArray([1e4, -1e4, 1e4, -1e4], 4), requiresGrad: true);
        var targets = new Var<double>(Tensor<double>.FromArray([1.0, 0.0, 0.0, 1.0], 4));
        var loss = Loss.BinaryCrossEntropyWithLogits(logits, targets);
        loss.Backward();

        // Right answers cost ~e^(−1e4) = 0; wrong ones cost 1e4 each: mean (0 + 0 + 1e4 + 1e4) / 4.
        Assert.Equal(5e3, loss.Value.Item(), 9);
        Assert.Equal([0.0, 0.0, 0.25, -0.25], logits.Grad!.ToArray()); // (σ(z) − y) / n
    }

    [Fact]
    public void BinaryCrossEntropyIsFiniteForHugeLogitsInFloat()
    {
        var logits = new Var<float>(Tensor<float>.FromArray([1e4f, -1e4f, 1e4f, -1e4f], 4), requiresGrad: true);
        var targets = new Var<float>(Tensor<float>.FromArray([1f, 0f, 0f, 1f], 4));
        var loss = Loss.BinaryCrossEntropyWithLogits(logits, targets);
        loss.Backward();
        Assert.True(float.IsFinite(loss.Value.Item()), $"loss {loss.Value.Item()}");
        Assert.All(logits.Grad!.ToArray(), g => Assert.True(float.IsFinite(g), $"gradient {g}"));
    }
}
