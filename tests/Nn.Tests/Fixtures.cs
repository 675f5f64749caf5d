using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using Scratch.Autograd;
using Scratch.Tensors;

namespace Scratch.Nn.Tests;

/// <summary>
/// Access to tests/fixtures/nn (written by tests/fixtures/make_nn_optimizer_fixtures.py with PyTorch, float64),
/// and small helpers shared by the optimiser and safetensors tests.
/// </summary>
internal static class Fixtures
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "fixtures", "nn");

    private static readonly Lazy<JsonDocument> Document = new(() => JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, "optimizers.json"))));

    public static JsonElement Root => Document.Value.RootElement;

    public static double[] Doubles(JsonElement array) => Flatten(array).ToArray();

    private static IEnumerable<double> Flatten(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().SelectMany(Flatten) : [e.GetDouble()];

    public static int[] ShapeOf(JsonElement e)
    {
        var shape = new List<int>();
        while (e.ValueKind == JsonValueKind.Array)
        {
            shape.Add(e.GetArrayLength());
            e = e[0];
        }
        return [.. shape];
    }

    public static Tensor<double> Tensor(JsonElement e) => Tensor<double>.FromArray(Doubles(e), ShapeOf(e));

    /// <summary>Sets a leaf's gradient to exactly <paramref name="gradient"/> (Backward on a leaf with no gradient copies it in).</summary>
    public static void SetGrad<T>(Var<T> parameter, Tensor<T> gradient) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        parameter.ZeroGrad();
        parameter.Backward(gradient);
    }

    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double tolerance, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} values, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(expected[i] - actual[i]);
            Assert.True(error <= tolerance * Math.Max(1, Math.Abs(expected[i])),
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (|error| {error:E2})");
        }
    }

    /// <summary>
    /// Runs a property over <paramref name="cases"/> random seeds; on failure the message names the FsCheck seed
    /// to replay with SCRATCH_SEED.
    /// </summary>
    public static void Property(int cases, Action<int> property)
    {
        string? fromEnv = Environment.GetEnvironmentVariable("SCRATCH_SEED");
        ulong seed = ulong.TryParse(fromEnv, out ulong s) ? s : (ulong)Random.Shared.NextInt64(1, long.MaxValue);
        var config = Config.QuickThrowOnFailure.WithMaxTest(cases).WithReplay(seed, 0x9E3779B97F4A7C15);
        try
        {
            Check.One(config, Prop.ForAll(Arb.From(Gen.Choose(0, int.MaxValue)), property));
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"property failed with seed {seed} (replay: SCRATCH_SEED={seed} dotnet test ...)\n{e.Message}");
        }
    }
}
