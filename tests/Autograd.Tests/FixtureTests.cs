using System.Text.Json;
using Scratch.Tensors;

namespace Scratch.Autograd.Tests;

// PyTorch fixtures: tests/fixtures/autograd/<case>.json, written by tests/fixtures/make_autograd_fixtures.py
// (run by hand; CI cannot run PyTorch). Each file holds float64 inputs, a fixed upstream gradient ∂L/∂out,
// and PyTorch's output and input gradients. Here the same op runs in Scratch, and its output and every
// input gradient must agree to 1e-10 (relative to max(1, |expected|)).
public sealed class FixtureTests
{
    private const double Tolerance = 1e-10;

    /// <summary>
    /// A fixture's "op" → the Scratch call, given the fixture's "args".
    /// </summary>
    private static readonly Dictionary<string, Func<JsonElement, Func<Var<double>[], Var<double>>>> Ops = new()
    {
        ["add"] = _ => x => x[0] + x[1],
        ["sub"] = _ => x => x[0] - x[1],
        ["mul"] = _ => x => x[0] * x[1],
        ["neg"] = _ => x => -x[0],
        ["div"] = _ => x => x[0] / x[1],
        ["pow"] = a => x => x[0].Pow(Double(a, "exponent")),
        ["exp"] = _ => x => x[0].Exp(),
        ["log"] = _ => x => x[0].Log(),
        ["sqrt"] = _ => x => x[0].Sqrt(),
        ["abs"] = _ => x => x[0].Abs(),
        ["tanh"] = _ => x => x[0].Tanh(),
        ["sigmoid"] = _ => x => x[0].Sigmoid(),
        ["relu"] = _ => x => x[0].Relu(),
        ["gelu"] = _ => x => x[0].Gelu(),
        ["sum"] = _ => x => x[0].Sum(),
        ["sum_dim"] = a => x => x[0].Sum(Int(a, "dim"), Bool(a, "keepdim")),
        ["sum_dims"] = a => x => x[0].Sum(Ints(a, "dims"), Bool(a, "keepdim")),
        ["mean"] = _ => x => x[0].Mean(),
        ["mean_dim"] = a => x => x[0].Mean(Int(a, "dim"), Bool(a, "keepdim")),
        ["mean_dims"] = a => x => x[0].Mean(Ints(a, "dims"), Bool(a, "keepdim")),
        ["max_dim"] = a => x => x[0].Max(Int(a, "dim"), Bool(a, "keepdim")),
        ["reshape"] = a => x => x[0].Reshape(Ints(a, "shape")),
        ["transpose"] = a => x => x[0].Transpose(Int(a, "dim0"), Int(a, "dim1")),
        ["permute"] = a => x => x[0].Permute(Ints(a, "dims")),
        ["slice"] = a => x => x[0].Slice(Int(a, "dim"), Int(a, "start"), Int(a, "end"), Int(a, "step")),
        ["expand"] = a => x => x[0].Expand(Ints(a, "shape")),
        ["concat"] = a => x => Var<double>.Concat(x, Int(a, "dim")),
        ["stack"] = a => x => Var<double>.Stack(x, Int(a, "dim")),
        ["matmul"] = _ => x => Var<double>.MatMul(x[0], x[1]),
        ["index_select"] = a => x => x[0].IndexSelect(Int(a, "dim"), Ints(a, "indices")),
        ["masked_fill"] = a => x => x[0].MaskedFill(TensorOf(a.GetProperty("mask")), Double(a, "value")),
        ["softmax"] = a => x => x[0].Softmax(Int(a, "dim")),
        ["log_softmax"] = a => x => x[0].LogSoftmax(Int(a, "dim")),
        ["dropout"] = a => x => x[0].Dropout(Double(a, "p"), new Rng(0), Bool(a, "training")),
        ["cross_entropy"] = a => x => Var<double>.CrossEntropy(x[0], Ints(a, "targets"), Int(a, "ignore_index")),
        ["layer_norm"] = a => x => Var<double>.LayerNorm(x[0], x[1], x[2], Double(a, "eps")),
        ["layer_norm_no_bias"] = a => x => Var<double>.LayerNorm(x[0], x[1], null, Double(a, "eps")),
        ["causal_self_attention"] = _ => x => Var<double>.CausalSelfAttention(x[0], x[1], x[2]),
        ["causal_self_attention_qkv"] = a => x => Var<double>.CausalSelfAttentionQkv(x[0], Int(a, "n_head")),
    };

    private static string FixtureDirectory => Path.Combine(AppContext.BaseDirectory, "fixtures", "autograd");

    private static IEnumerable<(string Case, JsonElement Root)> LoadAll() =>
        Directory.GetFiles(FixtureDirectory, "*.json")
            .Order(StringComparer.Ordinal)
            .Select(path => (Path.GetFileNameWithoutExtension(path), JsonDocument.Parse(File.ReadAllText(path)).RootElement));

    private static JsonElement Load(string caseName) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(FixtureDirectory, caseName + ".json"))).RootElement;

    /// <summary>The cases whose op has a mapping in <see cref="Ops"/>.</summary>
    private static IEnumerable<string> MappedCaseNames() =>
        LoadAll().Where(c => Ops.ContainsKey(c.Root.GetProperty("op").GetString()!)).Select(c => c.Case);

    /// <summary><see cref="MappedCaseNames"/> as theory rows.</summary>
    public static TheoryData<string> MappedCases() => [.. MappedCaseNames()];

    // Helpers the mapping uses to read "args".
    internal static int Int(JsonElement args, string name) => args.GetProperty(name).GetInt32();

    internal static bool Bool(JsonElement args, string name) => args.GetProperty(name).GetBoolean();

    internal static double Double(JsonElement args, string name) => args.GetProperty(name).GetDouble();

    internal static int[] Ints(JsonElement args, string name) =>
        [.. args.GetProperty(name).EnumerateArray().Select(e => e.GetInt32())];

    /// <summary>{"shape": [...], "data": [...]} → a tensor (row-major).</summary>
    internal static Tensor<double> TensorOf(JsonElement json)
    {
        int[] shape = [.. json.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32())];
        double[] data = [.. json.GetProperty("data").EnumerateArray().Select(e => e.GetDouble())];
        return Tensor<double>.FromArray(data, shape);
    }

    private static void AssertClose(Tensor<double> expected, Tensor<double>? actual, string what)
    {
        Assert.True(actual is not null, $"{what}: no gradient arrived");
        Assert.True(Shapes.Equal(expected.Shape, actual!.Shape),
            $"{what}: shape {Shapes.Format(actual.Shape)}, PyTorch has {Shapes.Format(expected.Shape)}");
        double[] e = expected.ToArray();
        double[] a = actual.ToArray();
        for (int i = 0; i < e.Length; i++)
        {
            double error = Math.Abs(a[i] - e[i]) / Math.Max(1.0, Math.Abs(e[i]));
            Assert.True(error <= Tolerance, $"{what}: element {i} is {a[i]:R}, PyTorch has {e[i]:R} (error {error:E2})");
        }
    }

    [Theory]
    [MemberData(nameof(MappedCases))]
    public void MatchesPyTorch(string caseName)
    {
        var root = Load(caseName);
        var f = Ops[root.GetProperty("op").GetString()!](root.GetProperty("args"));
        var inputs = root.GetProperty("inputs").EnumerateArray()
            .Select((x, i) => new Var<double>(TensorOf(x), requiresGrad: true, name: $"input{i}")).ToArray();

        var output = f(inputs);
        AssertClose(TensorOf(root.GetProperty("output")), output.Value, $"{caseName}: output");

        output.Backward(TensorOf(root.GetProperty("upstream")));
        var grads = root.GetProperty("grads").EnumerateArray().ToArray();
        for (int i = 0; i < inputs.Length; i++)
        {
            AssertClose(TensorOf(grads[i]), inputs[i].Grad, $"{caseName}: gradient of input {i}");
        }
    }

    [Fact]
    public void EveryMappedOpHasAFixture()
    {
        var ops = LoadAll().Select(c => c.Root.GetProperty("op").GetString()!).ToHashSet();
        Assert.All(Ops.Keys, op => Assert.Contains(op, ops));
    }

    [Fact]
    public void EngineOpsIncludeABroadcastingCase()
    {
        var cases = MappedCaseNames().ToHashSet();
        Assert.Superset(new HashSet<string> { "add", "add_broadcast", "sub", "sub_broadcast", "mul", "mul_broadcast", "mul_row_broadcast", "neg" }, cases);
    }

    [Fact]
    public void EveryFixtureIsWellFormed()
    {
        var all = LoadAll().ToList();
        Assert.True(all.Count >= 50, $"only {all.Count} fixtures in {FixtureDirectory}");
        foreach (var (name, root) in all)
        {
            Assert.Equal(name, root.GetProperty("case").GetString());
            Assert.False(string.IsNullOrEmpty(root.GetProperty("op").GetString()), name);
            Assert.Equal(JsonValueKind.Object, root.GetProperty("args").ValueKind);
            var inputs = root.GetProperty("inputs").EnumerateArray().Select(TensorOf).ToArray();
            var grads = root.GetProperty("grads").EnumerateArray().Select(TensorOf).ToArray();
            Assert.NotEmpty(inputs);
            Assert.Equal(inputs.Length, grads.Length);
            for (int i = 0; i < inputs.Length; i++)
            {
                Assert.True(Shapes.Equal(inputs[i].Shape, grads[i].Shape), $"{name}: input {i} and its gradient differ in shape");
            }
            var output = TensorOf(root.GetProperty("output"));
            var upstream = TensorOf(root.GetProperty("upstream"));
            Assert.True(Shapes.Equal(output.Shape, upstream.Shape), $"{name}: output and upstream differ in shape");
        }
    }

    [Fact]
    public void EveryFixtureOpHasAMapping()
    {
        var missing = LoadAll().Select(c => c.Root.GetProperty("op").GetString()!).Distinct().Where(op => !Ops.ContainsKey(op)).ToList();
        Assert.True(missing.Count == 0, $"fixtures with no Scratch mapping: {string.Join(", ", missing)}");
    }
}
