using System.Text.Json;
using Scratch.Autograd;
using Scratch.Nn.Optimizers;
using Scratch.Tensors;

namespace Scratch.Nn.Tests;

/// <summary>
/// Every optimiser against torch.optim: 5 steps on the fixture's problem
/// L(θ) = Σ c·(θ − t)²/2 + (θ − t)⁴/4,  ∂L/∂θ = c·(θ − t) + (θ − t)³,
/// with parameters w [2,3], b [3], z [2], where z has no gradient on steps 1 and 3.
/// </summary>
public sealed class OptimizerFixtureTests
{
    private static readonly string[] Names = ["w", "b", "z"];

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Fixtures.Root.GetProperty("cases").EnumerateArray())
        {
            data.Add(c.GetProperty("name").GetString()!);
        }
        return data;
    }

    private static JsonElement Case(string name) =>
        Fixtures.Root.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    /// <summary>The fixture's three parameters at their initial values.</summary>
    internal static List<Var<double>> MakeParameters()
    {
        var init = Fixtures.Root.GetProperty("problem").GetProperty("init");
        return [.. Names.Select(n => new Var<double>(Fixtures.Tensor(init.GetProperty(n)), requiresGrad: true, name: n))];
    }

    /// <summary>Sets the gradients for step <paramref name="step"/>: z gets none on odd steps.</summary>
    internal static void SetGradients(IReadOnlyList<Var<double>> parameters, int step)
    {
        var problem = Fixtures.Root.GetProperty("problem");
        for (int i = 0; i < parameters.Count; i++)
        {
            parameters[i].ZeroGrad();
            if (Names[i] == "z" && step % 2 == 1)
            {
                continue;
            }
            var theta = parameters[i].Value.ToArray();
            var t = Fixtures.Doubles(problem.GetProperty("target").GetProperty(Names[i]));
            var c = Fixtures.Doubles(problem.GetProperty("curvature").GetProperty(Names[i]));
            var g = new double[theta.Length];
            for (int j = 0; j < g.Length; j++)
            {
                double d = theta[j] - t[j];
                g[j] = c[j] * d + d * d * d;
            }
            Fixtures.SetGrad(parameters[i], Tensor<double>.FromArray(g, parameters[i].Value.ShapeArray()));
        }
    }

    /// <summary>Builds the optimiser a fixture case describes, with PyTorch's defaults for what it leaves out.</summary>
    internal static Optimizer<double> MakeOptimizer(string caseName, IReadOnlyList<Var<double>> parameters)
    {
        var c = Case(caseName);
        var o = c.GetProperty("options");
        double Get(string key, double fallback) => o.TryGetProperty(key, out var v) ? v.GetDouble() : fallback;
        bool Flag(string key) => o.TryGetProperty(key, out var v) && v.GetBoolean();
        double lr = Get("lr", double.NaN);
        double wd = Get("weight_decay", c.GetProperty("kind").GetString() == "adamw" ? 0.01 : 0);
        IReadOnlyList<ParamGroup<double>> groups = o.TryGetProperty("groups", out var gs)
            ? [.. gs.EnumerateArray().Select(g => new ParamGroup<double>(
                [.. g.GetProperty("params").EnumerateArray().Select(i => parameters[i.GetInt32()])], g.GetProperty("weight_decay").GetDouble()))]
            : [new ParamGroup<double>(parameters, wd)];
        (double beta1, double beta2) = o.TryGetProperty("betas", out var b) ? (b[0].GetDouble(), b[1].GetDouble()) : (0.9, 0.999);
        return c.GetProperty("kind").GetString() switch
        {
            "sgd" => new Sgd<double>(groups, lr, Get("momentum", 0), Get("dampening", 0), Flag("nesterov")),
            "adam" => new Adam<double>(groups, lr, beta1, beta2, Get("eps", 1e-8)),
            "adamw" => new AdamW<double>(groups, lr, beta1, beta2, Get("eps", 1e-8)),
            "adagrad" => new AdaGrad<double>(groups, lr, Get("lr_decay", 0), Get("initial_accumulator_value", 0), Get("eps", 1e-10)),
            "rmsprop" => new RmsProp<double>(groups, lr, Get("alpha", 0.99), Get("eps", 1e-8), Get("momentum", 0), Flag("centered")),
            var kind => throw new InvalidOperationException($"unknown optimiser kind {kind}"),
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TrajectoryMatchesPyTorch(string caseName)
    {
        var parameters = MakeParameters();
        var optimizer = MakeOptimizer(caseName, parameters);
        var trajectory = Case(caseName).GetProperty("trajectory");
        for (int step = 0; step < trajectory.GetArrayLength(); step++)
        {
            SetGradients(parameters, step);
            optimizer.Step();
            for (int i = 0; i < parameters.Count; i++)
            {
                Fixtures.AssertClose(Fixtures.Doubles(trajectory[step][i]), parameters[i].Value.ToArray(), 1e-10,
                    $"{caseName}, step {step}, {Names[i]}");
            }
        }
    }

    [Fact]
    public void TheFixtureCoversEveryOptimiser()
    {
        var kinds = Fixtures.Root.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("kind").GetString()).ToHashSet();
        Assert.Equal(["adagrad", "adam", "adamw", "rmsprop", "sgd"], kinds.Order());
    }

    [Fact]
    public void FloatOptimiserFollowsTheDoubleTrajectoryClosely()
    {
        // The same Adam run in float32: the update rule is generic, so it should track float64 to ~1e-6.
        var p64 = MakeParameters();
        var p32 = p64.Select(p => new Var<float>(Tensor<float>.FromArray(p.Value.ToArray().Select(x => (float)x).ToArray(), p.Value.ShapeArray()), requiresGrad: true)).ToList();
        var adam64 = MakeOptimizer("adam", p64);
        var adam32 = new Adam<float>(p32, lr: 0.1);
        for (int step = 0; step < 5; step++)
        {
            SetGradients(p64, step);
            for (int i = 0; i < 3; i++)
            {
                p32[i].ZeroGrad();
                if (p64[i].Grad is { } g)
                {
                    Fixtures.SetGrad(p32[i], Tensor<float>.FromArray(g.ToArray().Select(x => (float)x).ToArray(), g.ShapeArray()));
                }
            }
            adam64.Step();
            adam32.Step();
        }
        for (int i = 0; i < 3; i++)
        {
            Fixtures.AssertClose(p64[i].Value.ToArray(), p32[i].Value.ToArray().Select(x => (double)x).ToArray(), 1e-5, $"float Adam {i}");
        }
    }
}
