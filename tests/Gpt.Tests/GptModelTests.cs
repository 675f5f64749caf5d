using Scratch.Gpt.Model;
using Scratch.Tensors;

namespace Scratch.Gpt.Tests;

public sealed class GptModelTests
{
    [Fact]
    public void InitialLossIsAboutLnVocab()
    {
        var config = GptConfig.Preset("baby") with { NLayer = 2 };
        var rng = new Rng(1337);
        var model = new GptModel<float>(config, rng);
        int B = 4, T = 32;
        var idx = Enumerable.Range(0, B * T).Select(_ => rng.NextInt(config.VocabSize)).ToArray();
        var targets = Enumerable.Range(0, B * T).Select(_ => rng.NextInt(config.VocabSize)).ToArray();
        var (logits, loss) = model.Forward(idx, targets, B, T);
        Assert.Equal([B, T, config.VocabSize], logits.Value.ShapeArray());
        Assert.InRange(loss.Value.Item(), Math.Log(config.VocabSize) - 0.1, Math.Log(config.VocabSize) + 0.1);
    }

    [Fact]
    public void ParameterNamesAndShapesAreNanoGpts()
    {
        var config = new GptConfig(BlockSize: 8, VocabSize: 11, NLayer: 2, NHead: 2, NEmbd: 4, Bias: true);
        var state = new GptModel<float>(config, new Rng(0)).StateDict();
        string[] block = ["ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight", "attn.c_proj.bias",
            "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias"];
        string[] expected = ["transformer.wte.weight", "transformer.wpe.weight",
            .. block.Select(n => "transformer.h.0." + n), .. block.Select(n => "transformer.h.1." + n),
            "transformer.ln_f.weight", "transformer.ln_f.bias"];
        Assert.Equal(expected, state.Names);
        Assert.Equal([11, 4], state["transformer.wte.weight"].ShapeArray());
        Assert.Equal([12, 4], state["transformer.h.1.attn.c_attn.weight"].ShapeArray());
        Assert.Equal([16, 4], state["transformer.h.0.mlp.c_fc.weight"].ShapeArray());
        Assert.Equal([4, 16], state["transformer.h.0.mlp.c_proj.weight"].ShapeArray());
        var noBias = new GptModel<float>(config with { Bias = false }, new Rng(0)).StateDict();
        Assert.DoesNotContain(noBias.Names, n => n.EndsWith(".bias", StringComparison.Ordinal));
    }

    [Fact]
    public void NEmbdNotDivisibleByNHeadIsAnError()
    {
        var error = Assert.Throws<ArgumentException>(() => new GptModel<float>(new GptConfig(8, 11, 1, 3, 4), new Rng(0)));
        Assert.Contains("n_embd 4 is not divisible by n_head 3", error.Message);
    }
}
