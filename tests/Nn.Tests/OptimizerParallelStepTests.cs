using Scratch.Autograd;
using Scratch.Nn.Optimizers;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Nn.Tests;

/// <summary>
/// <see cref="Optimizer{T}.Step"/> and <see cref="GradClipping.ClipGradNorm{T}"/> share the parameters out over the cores
/// (<see cref="Chunked.For"/>). Forced onto that path in 1 to 5 chunks (<see cref="Chunked.ForcedChunks"/>; a model this
/// small would otherwise run on one thread), every optimiser must give bit for bit the values, state and norms of the
/// one-thread path: parameters of different sizes, one without a gradient in the middle (skipped, its step count
/// left alone), three steps, the gradients clipped before each.
/// </summary>
public sealed class OptimizerParallelStepTests
{
    private static readonly int[][] Shapes = [[7, 3], [37], [1], [5, 9], [2, 2]];
    private const int NoGradient = 2; // the parameter that takes no part in the loss

    private static Optimizer<double> Make(string name, Var<double>[] ps) => name switch
    {
        "SGD" => new Sgd<double>(ps, lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01),
        "Adam" => new Adam<double>(ps, lr: 1e-2, weightDecay: 0.01),
        "AdamW" => new AdamW<double>(ParamGroups.ForWeightDecay(ps.Select((p, i) => ($"p{i}", p)), 0.1), lr: 1e-2),
        "RMSprop" => new RmsProp<double>(ps, lr: 1e-2, momentum: 0.9, centered: true),
        _ => new AdaGrad<double>(ps, lr: 0.1, lrDecay: 0.01),
    };

    /// <summary>Three clipped steps; every number they leave: the parameters, the optimiser's state, the norms.</summary>
    private static List<double[]> Run(string name, int? chunks)
    {
        var rng = new Rng(5);
        var ps = Shapes.Select(s => new Var<double>(Tensor<double>.Randn(rng, s), requiresGrad: true)).ToArray();
        var optimizer = Make(name, ps);
        var norms = new List<double>();
        Chunked.ForcedChunks.Value = chunks;
        try
        {
            for (int step = 0; step < 3; step++)
            {
                optimizer.ZeroGrad();
                for (int i = 0; i < ps.Length; i++)
                {
                    if (i != NoGradient)
                    {
                        ps[i].Backward(Tensor<double>.Randn(rng, Shapes[i]));
                    }
                }
                norms.Add(GradClipping.ClipGradNorm(ps, maxNorm: 2.0));
                optimizer.Step();
            }
        }
        finally
        {
            Chunked.ForcedChunks.Value = null;
        }
        var numbers = ps.Select(p => p.Value.ToArray()).ToList();
        numbers.AddRange(optimizer.SaveState().Entries.Select(e => e.Tensor.ToArray()));
        numbers.Add([.. norms]);
        return numbers;
    }

    /// <summary>With no gradient at all there is nothing to share out: the norm is 0 and the step changes nothing.</summary>
    [Fact]
    public void WithoutGradientsTheNormIsZeroAndTheStepChangesNothing()
    {
        var rng = new Rng(6);
        var ps = Shapes.Select(s => new Var<double>(Tensor<double>.Randn(rng, s), requiresGrad: true)).ToArray();
        var before = ps.Select(p => p.Value.ToArray()).ToList();
        var optimizer = new AdamW<double>(ps, lr: 1e-2);
        Assert.Equal(0.0, GradClipping.ClipGradNorm(ps, maxNorm: 1.0));
        optimizer.Step();
        Assert.All(ps.Zip(before), pair => Assert.Equal(pair.Second, pair.First.Value.ToArray()));
        Assert.Empty(optimizer.SaveState().Entries);
    }

    [Theory]
    [InlineData("SGD")]
    [InlineData("Adam")]
    [InlineData("AdamW")]
    [InlineData("RMSprop")]
    [InlineData("AdaGrad")]
    public void SharingTheParametersOutOverTheCoresChangesNoNumber(string name)
    {
        var oneThread = Run(name, chunks: null);
        Assert.True(oneThread[^1].Max() > 2.0, "the test's gradients must be big enough to be clipped");
        for (int chunks = 1; chunks <= 5; chunks++)
        {
            var parallel = Run(name, chunks);
            Assert.Equal(oneThread.Count, parallel.Count);
            for (int i = 0; i < oneThread.Count; i++)
            {
                Assert.True(oneThread[i].SequenceEqual(parallel[i]), $"{name}, {chunks} chunks: array {i} of the parameters, state and norms differs");
            }
        }
    }
}
