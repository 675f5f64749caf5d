namespace Scratch.Gpt.Data;

/// <summary>Which part of the corpus to draw from: the first 90 % trains, the last 10 % validates.</summary>
public enum DataSplit
{
    /// <summary>The first 90 % of the tokens, which the model learns from.</summary>
    Train,

    /// <summary>The last 10 % of the tokens, held out to measure how well the model generalises.</summary>
    Val,
}
