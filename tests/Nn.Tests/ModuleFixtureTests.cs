using System.Text.Json;
using Scratch.Autograd;
using Scratch.Nn.Modules;
using Scratch.Tensors;

namespace Scratch.Nn.Tests;

/// <summary>
/// Each module's forward output and gradients against PyTorch (nanoGPT's module code, float64), from
/// tests/fixtures/nn/modules.json written by tests/fixtures/make_nn_module_fixtures.py.
/// </summary>
public sealed class ModuleFixtureTests
{
    private const double Tolerance = 1e-10;

    public static TheoryData<string> Cases() => new(Fixture.Cases.Select(c => c.GetProperty("name").GetString()!));

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndGradientsMatchPyTorch(string name)
    {
        var fixture = Fixture.Cases.Single(c => c.GetProperty("name").GetString() == name);
        var args = fixture.GetProperty("args");
        var rng = new Rng(0);
        Module<double> module = name.Split('_')[0] switch
        {
            "linear" => new Linear<double>(args.GetProperty("in").GetInt32(), args.GetProperty("out").GetInt32(), rng, args.GetProperty("bias").GetBoolean()),
            "layernorm" => new LayerNorm<double>(args.GetProperty("dim").GetInt32(), args.GetProperty("bias").GetBoolean()),
            "embedding" => new Embedding<double>(args.GetProperty("count").GetInt32(), args.GetProperty("dim").GetInt32(), rng),
            "mlp" => new Mlp<double>(args.GetProperty("n_embd").GetInt32(), 1, 0.0, args.GetProperty("bias").GetBoolean(), rng),
            "attention" => new CausalSelfAttention<double>(args.GetProperty("n_embd").GetInt32(), args.GetProperty("n_head").GetInt32(), 1, 0.0, args.GetProperty("bias").GetBoolean(), rng),
            "block" => new Block<double>(args.GetProperty("n_embd").GetInt32(), args.GetProperty("n_head").GetInt32(), 1, 0.0, args.GetProperty("bias").GetBoolean(), rng),
            _ => throw new InvalidOperationException($"no module for fixture {name}"),
        };
        var state = new StateDict<double>();
        foreach (var entry in fixture.GetProperty("state").EnumerateObject())
        {
            state.Add(entry.Name, Fixture.Tensor(entry.Value));
        }
        module.LoadStateDict(state);

        var input = fixture.GetProperty("input");
        Var<double>? x = null;
        Var<double> output;
        if (module is Embedding<double> embedding)
        {
            int[] ids = input.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            int[] shape = input.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            output = embedding.Forward(ids, shape);
        }
        else
        {
            x = new Var<double>(Fixture.Tensor(input), requiresGrad: true);
            output = ((Layer<double>)module).Forward(x);
        }
        Fixture.AssertClose(Fixture.Tensor(fixture.GetProperty("output")), output.Value, Tolerance, $"{name} output");
        output.Backward(Fixture.Tensor(fixture.GetProperty("upstream")));
        if (x is not null)
        {
            Fixture.AssertClose(Fixture.Tensor(fixture.GetProperty("input_grad")), x.Grad!, Tolerance, $"{name} input gradient");
        }
        var parameters = module.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        foreach (var grad in fixture.GetProperty("grads").EnumerateObject())
        {
            Fixture.AssertClose(Fixture.Tensor(grad.Value), parameters[grad.Name].Grad!, Tolerance, $"{name} gradient of {grad.Name}");
        }
    }

    private static class Fixture
    {
        public static readonly JsonElement[] Cases = Load();

        private static JsonElement[] Load()
        {
            string path = Path.Combine(AppContext.BaseDirectory, "fixtures", "nn", "modules.json");
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            return document.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.Clone()).ToArray();
        }

        public static Tensor<double> Tensor(JsonElement json)
        {
            int[] shape = json.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            double[] data = json.GetProperty("data").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            return Tensor<double>.FromArray(data, shape);
        }

        public static void AssertClose(Tensor<double> expected, Tensor<double> actual, double tolerance, string what)
        {
            Assert.True(Shapes.Equal(expected.Shape, actual.Shape), $"{what}: shape {Shapes.Format(actual.Shape)}, expected {Shapes.Format(expected.Shape)}");
            double[] e = expected.ToArray(), a = actual.ToArray();
            for (int i = 0; i < e.Length; i++)
            {
                double error = Math.Abs(e[i] - a[i]) / Math.Max(1.0, Math.Abs(e[i]));
                Assert.True(error <= tolerance, $"{what}: element {i} is {a[i]:R}, PyTorch says {e[i]:R} (error {error:E2})");
            }
        }
    }
}
