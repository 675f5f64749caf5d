using FsCheck;
using FsCheck.Fluent;
using Scratch.Gpt.Inspection;
using Scratch.Gpt.Model;
using Scratch.Tensors;

namespace Scratch.Gpt.Tests;

public sealed class ParameterTableTests
{
    [Fact]
    public void Gpt2HasItsFamous124MWithTheTiedHeadCountedOnce()
    {
        var table = ParameterTable.FromConfig(ParameterTable.Preset("gpt2"));
        Assert.Equal(124_439_808, table.Total);
        Assert.Equal(50257L * 768, table.Rows.Single(r => r.Kind == "token embedding").Count);
        Assert.Equal(0, table.Rows.Single(r => r.Kind == "unembedding").Count);
        Assert.Equal(2 + 12 * (3 * 12 + 3), table.Matrices);
    }

    [Fact]
    public void Gpt3Is175Billion()
    {
        var table = ParameterTable.FromConfig(ParameterTable.Preset("gpt3-175b"));
        Assert.Equal(617_558_016, table.Rows.Single(r => r.Kind == "token embedding").Count);
        Assert.Equal(25_165_824, table.Rows.Single(r => r.Kind == "position embedding").Count);
        Assert.Equal(174_604_259_328, table.Total);
        Assert.InRange(table.Total, 175e9 * 0.99, 175e9 * 1.01);
        Assert.Equal(27_938, table.Matrices); // 2 + 96·(3·96 + 3)
    }

    [Fact]
    public void TheTableTotalIsTheRealModelsCountForRandomSmallConfigs()
    {
        var cases = Gen.Choose(0, int.MaxValue).ToArbitrary();
        Corpus.Check(Prop.ForAll(cases, seed =>
        {
            var rng = new Rng((ulong)seed);
            int heads = 1 + rng.NextInt(3);
            var config = new GptConfig(BlockSize: 1 + rng.NextInt(9), VocabSize: 1 + rng.NextInt(20), NLayer: 1 + rng.NextInt(3),
                NHead: heads, NEmbd: heads * (1 + rng.NextInt(4)), Bias: rng.NextInt(2) == 1);
            var model = new GptModel<float>(config, rng);
            Assert.Equal(model.ParameterCount(), ParameterTable.FromConfig(config).Total);
            long matrices = model.NamedParameters().Count(p => p.Parameter.Value.Rank == 2)
                + config.NLayer * (3 * config.NHead - 1); // c_attn is stored as one matrix; the table splits it into 3H
            Assert.Equal(matrices, ParameterTable.FromConfig(config).Matrices);
        }), maxTest: 60);
    }

    [Fact]
    public void AnUnknownPresetListsTheNames()
    {
        var error = Assert.Throws<ArgumentException>(() => ParameterTable.Preset("gpt5"));
        Assert.Contains("gpt3-175b", error.Message);
        Assert.Contains("shakespeare-char", error.Message);
    }
}
