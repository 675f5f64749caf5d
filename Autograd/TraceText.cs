using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Scratch.Tensors;

namespace Scratch.Autograd;

/// <summary>How numbers and tensors read in a <see cref="BackwardTrace"/> report.</summary>
internal static partial class TraceText
{
    /// <summary>A number to four significant digits, small and large ones as 1.5e-09 → 1.5e-9.</summary>
    public static string Number(double v) =>
        double.IsNaN(v) ? "NaN" : double.IsPositiveInfinity(v) ? "+Inf" : double.IsNegativeInfinity(v) ? "-Inf"
        : Exponent().Replace(v.ToString("G4", CultureInfo.InvariantCulture), "e$1$2");

    /// <summary>
    /// A tensor: a single number as itself; up to <paramref name="maxElements"/> elements in full, nested like
    /// the shape (<c>[1, 2]</c>; a matrix of several rows one row per line, <c>[[1, 2],\n [3, 4]]</c>); a larger
    /// one as its shape, its norm ‖x‖ = √Σxᵢ², its mean and its first few elements.
    /// </summary>
    public static string Tensor(Tensor<double> x, int maxElements)
    {
        double[] values = x.ToArray();
        if (x.Rank == 0)
        {
            return Number(values[0]);
        }
        if (values.Length <= maxElements && x.Rank == 2 && x.Size(0) > 1)
        {
            return Matrix(values, x.Size(0), x.Size(1));
        }
        if (values.Length <= maxElements)
        {
            var text = new StringBuilder();
            int next = 0;
            Nested(text, x.ShapeArray(), 0, values, ref next);
            return text.ToString();
        }
        double norm = Math.Sqrt(values.Sum(v => v * v));
        string first = string.Join(", ", values.Take(4).Select(Number));
        return $"{Shapes.Format(x.Shape)} tensor, ‖·‖ {Number(norm)}, mean {Number(values.Average())}, first {first}, …";
    }

    /// <summary>A matrix one row per line, the numbers right-aligned to a common width: [[1, -2],\n [30, 4]].</summary>
    private static string Matrix(double[] values, int rows, int columns)
    {
        string[] shown = [.. values.Select(Number)];
        int width = shown.Max(v => v.Length);
        var lines = Enumerable.Range(0, rows).Select(r =>
            (r == 0 ? "[[" : " [") + string.Join(", ", shown.Skip(r * columns).Take(columns).Select(v => v.PadLeft(width))) + (r == rows - 1 ? "]]" : "],"));
        return string.Join("\n", lines);
    }

    [GeneratedRegex(@"E([+-])0*(\d)")]
    private static partial Regex Exponent();

    private static void Nested(StringBuilder text, int[] shape, int dim, double[] values, ref int next)
    {
        text.Append('[');
        for (int i = 0; i < shape[dim]; i++)
        {
            if (i > 0)
            {
                text.Append(", ");
            }
            if (dim == shape.Length - 1)
            {
                text.Append(Number(values[next++]));
            }
            else
            {
                Nested(text, shape, dim + 1, values, ref next);
            }
        }
        text.Append(']');
    }
}
