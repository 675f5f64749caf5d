using System.Numerics;
using Scratch.Gpt.Model;
using Scratch.Tensors;

namespace Scratch.Gpt.Tests;

/// <summary>Small GPTs with large random weights, so logits differ clearly between tokens.</summary>
internal static class TinyModels
{
    public static GptConfig Config(bool bias = true) =>
        new(BlockSize: 8, VocabSize: 11, NLayer: 2, NHead: 2, NEmbd: 8, Bias: bias);

    public static GptModel<T> Create<T>(GptConfig config, ulong seed = 7, double scale = 0.5)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Rng(seed);
        var model = new GptModel<T>(config, rng);
        foreach (var p in model.Parameters())
        {
            p.Value.CopyFrom(Tensor<T>.Normal(rng, T.Zero, T.CreateChecked(scale), p.Value.ShapeArray()));
        }
        model.Eval();
        return model;
    }
}
