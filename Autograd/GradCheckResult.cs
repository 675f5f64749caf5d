using Scratch.Tensors;

namespace Scratch.Autograd;

/// <summary>The outcome of a <see cref="GradCheck"/>: the element whose analytic and numeric gradients differ most.</summary>
/// <param name="InputIndex">Which input the worst element belongs to (−1 when there was nothing to check).</param>
/// <param name="Index">The worst element's index within that input.</param>
/// <param name="Analytic">The gradient from Backward at that element.</param>
/// <param name="Numeric">The central-difference estimate at that element.</param>
/// <param name="RelativeError">|a − n| / max(|a|, |n|, tiny) at that element: the largest over all elements.</param>
/// <param name="ElementsChecked">How many input elements were checked.</param>
public sealed record GradCheckResult(int InputIndex, int[] Index, double Analytic, double Numeric, double RelativeError, int ElementsChecked)
{
    /// <summary>True when every element's relative error is at most <paramref name="tolerance"/>.</summary>
    public bool Passed(double tolerance = 1e-6) => !(RelativeError > tolerance) && !double.IsNaN(RelativeError);

    /// <summary>One line a test or a lesson can print.</summary>
    public override string ToString() => InputIndex < 0
        ? "gradcheck: no elements to check"
        : $"gradcheck: worst relative error {RelativeError:0.###e+0} at input {InputIndex} index {Shapes.Format(Index)} " +
          $"(analytic {Analytic:G10}, numeric {Numeric:G10}) over {ElementsChecked} elements";
}
