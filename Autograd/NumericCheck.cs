namespace Scratch.Autograd;

/// <summary>
/// A central-difference check of one node's traced gradient: for each checked element i of the node's value v,
/// n = (L(vᵢ + h) − L(vᵢ − h)) / 2h, compared with the traced gradient a by the relative error
/// |a − n| / max(|a|, |n|, tiny) (as <see cref="GradCheck"/> defines it). The worst element is kept.
/// </summary>
/// <param name="ElementsChecked">How many elements were nudged.</param>
/// <param name="ElementCount">How many elements the node has.</param>
/// <param name="WorstIndex">The index of the element with the largest relative error.</param>
/// <param name="Traced">The traced gradient a at that element.</param>
/// <param name="Numeric">The central difference n at that element.</param>
/// <param name="RelativeError">|a − n| / max(|a|, |n|, tiny) at that element.</param>
/// <param name="Tolerance">The largest relative error that passes.</param>
public sealed record NumericCheck(int ElementsChecked, int ElementCount, int[] WorstIndex, double Traced, double Numeric,
    double RelativeError, double Tolerance)
{
    /// <summary>True when every checked element's relative error is at most <see cref="Tolerance"/> (NaN fails).</summary>
    public bool Passed => !(RelativeError > Tolerance) && !double.IsNaN(RelativeError);
}
