using Scratch.Gpt.Data;
using Scratch.Gpt.Inspection;
using Scratch.Gpt.Tokenizers;
using Scratch.Tensors;

namespace Scratch.Gpt.Tests;

public sealed class NGramTests
{
    [Fact]
    public void BigramProbabilitiesAndValLossMatchAHandComputation()
    {
        // train 0 1 0 1 1: pairs (0,1) (1,0) (0,1) (1,1); count(0) = 2, count(1) = 2
        var model = NGramModel.Train([0, 1, 0, 1, 1], n: 2, vocabSize: 2, k: 1);
        Assert.Equal(3.0 / 4, model.Probability([0], 1)); // (2 + 1) / (2 + 2)
        Assert.Equal(1.0 / 4, model.Probability([0], 0)); // (0 + 1) / (2 + 2)
        Assert.Equal(2.0 / 4, model.Probability([1], 0)); // (1 + 1) / (2 + 2)
        // val 1 0 0: position 0 is skipped; −(ln P(0|1) + ln P(0|0)) / 2 = (ln 2 + ln 4) / 2
        Assert.Equal((Math.Log(2) + Math.Log(4)) / 2, model.Loss([1, 0, 0]), 12);
    }

    [Fact]
    public void AddKSmoothingAndUnseenContexts()
    {
        // trigram over V = 3 with k = 0.5: context (2, 2) never seen → uniform
        var model = NGramModel.Train([0, 1, 2, 0, 1, 1], n: 3, vocabSize: 3, k: 0.5);
        Assert.Equal(1.0 / 3, model.Probability([2, 2], 0), 12);
        Assert.Equal(0, model.ContextCount([2, 2]));
        Assert.Equal(2, model.ContextCount([9, 0, 1])); // (0, 1) was followed by something twice
        Assert.Equal(1, model.PairCount([0, 1], 2));
        Assert.Equal(0, model.PairCount([0, 1], 0));
        var sharper = model.WithSmoothing(0.001); // the same counts, k = 0.001
        Assert.Equal((1 + 0.001) / (2 + 0.003), sharper.Probability([0, 1], 2), 12);
        Assert.Equal((1 + 0.5) / (2 + 1.5), model.Probability([0, 1], 2), 12);
        Assert.Throws<ArgumentException>(() => model.WithSmoothing(0));
        Assert.Equal((1 + 0.5 + 1 + 0.5) / (2 + 1.5), model.Probability([0, 1], 2) + model.Probability([0, 1], 1), 12); // (0,1)→2 once, →1 once
        Assert.Equal((1 + 0.5) / (2 + 1.5), model.Probability([9, 0, 1], 2), 12); // only the last n − 1 tokens count
        Assert.Equal(1.0, model.Distribution([1, 2]).Sum(), 12);
        var unigram = NGramModel.Train([0, 0, 1], n: 1, vocabSize: 3, k: 1);
        Assert.Equal((2 + 1) / (3 + 3.0), unigram.Probability([], 0), 12);
    }

    [Fact]
    public void UsesTheGptsSplitOnACharCorpus()
    {
        string text = string.Concat(Enumerable.Repeat("abab", 5)); // 20 chars: train = first 18, val = last 2
        var tokenizer = CharTokenizer.FromText(text);
        var data = TokenData.FromText(text, tokenizer);
        var model = NGramModel.Train(data.Train, 2, tokenizer.VocabSize, 0.1);
        // train pairs: a→b 9 times, b→a 8 times; val "ab": one prediction P(b | a) = (9 + 0.1) / (9 + 0.2)
        Assert.Equal(-Math.Log(9.1 / 9.2), model.Loss(data.Val), 12);
    }

    [Fact]
    public void SamplingFollowsTheCountsAndIsSeeded()
    {
        var model = NGramModel.Train([0, 1, 2, 0, 1, 2, 0, 1, 2], n: 2, vocabSize: 3, k: 1e-9);
        Assert.Equal([1, 2, 0, 1, 2], model.Sample([0], 5, new Rng(1)));
        var loose = NGramModel.Train([0, 1, 2], n: 2, vocabSize: 3, k: 1);
        Assert.Equal(loose.Sample([0], 20, new Rng(4)), loose.Sample([0], 20, new Rng(4)));
    }

    [Fact]
    public void BadArgumentsAreErrors()
    {
        Assert.Contains("--smoothing must be", Assert.Throws<ArgumentException>(() => NGramModel.Train([0], 2, 2, 0)).Message);
        Assert.Contains("--n must be ≥ 1", Assert.Throws<ArgumentException>(() => NGramModel.Train([0], 0, 2, 1)).Message);
        Assert.Contains("too many", Assert.Throws<ArgumentException>(() => NGramModel.Train([0], 6, 50257, 1)).Message);
    }
}
