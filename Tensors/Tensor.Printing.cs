using System.Globalization;
using System.Text;

namespace Scratch.Tensors;

// Printing like PyTorch, and comparing tensors with a tolerance.
public sealed partial class Tensor<T>
{
    /// <summary>Tensors with more elements than this print only their first and last few entries per dimension.</summary>
    public const int SummarizeThreshold = 1000;

    private const int EdgeItems = 3;

    /// <summary>
    /// PyTorch's layout: <c>tensor([[1.0000, 2.0000], [3.0000, 4.0000]], shape=[2,2])</c>, with "..."
    /// in the middle of long dimensions once the tensor has more than 1000 elements.
    /// </summary>
    public override string ToString()
    {
        bool summarize = Count > SummarizeThreshold;
        var values = new List<T>();
        Collect(values, [], summarize);
        T maxAbs = values.Where(T.IsFinite).Select(T.Abs).DefaultIfEmpty(T.Zero).Max();
        bool integral = values.All(v => T.IsInteger(v) || !T.IsFinite(v)) && maxAbs < T.CreateChecked(1e8);
        bool scientific = !integral && (maxAbs >= T.CreateChecked(1e8) || (maxAbs < T.CreateChecked(1e-4) && maxAbs > T.Zero));
        string Format(T v) =>
            T.IsNaN(v) ? "nan" : T.IsPositiveInfinity(v) ? "inf" : T.IsNegativeInfinity(v) ? "-inf"
            : integral ? double.CreateChecked(v).ToString("0", CultureInfo.InvariantCulture) + "." // "1." as PyTorch prints a whole float
            : scientific ? double.CreateChecked(v).ToString("0.0000e+00", CultureInfo.InvariantCulture)
            : double.CreateChecked(v).ToString("0.0000", CultureInfo.InvariantCulture);
        int width = values.Count == 0 ? 0 : values.Max(v => Format(v).Length);
        var text = new StringBuilder("tensor(");
        int next = 0;
        Write(text, [], summarize, () => Format(values[next++]).PadLeft(width), "tensor(".Length);
        text.Append(", shape=").Append(Shapes.Format(shape)).Append(')');
        return text.ToString();
    }

    private IEnumerable<int> Shown(int dim, bool summarize) =>
        summarize && shape[dim] > 2 * EdgeItems
            ? Enumerable.Range(0, EdgeItems).Concat([-1]).Concat(Enumerable.Range(shape[dim] - EdgeItems, EdgeItems))
            : Enumerable.Range(0, shape[dim]);

    private void Collect(List<T> values, List<int> prefix, bool summarize)
    {
        if (prefix.Count == Rank)
        {
            values.Add(this[[.. prefix]]);
            return;
        }
        foreach (int i in Shown(prefix.Count, summarize).Where(i => i >= 0))
        {
            prefix.Add(i);
            Collect(values, prefix, summarize);
            prefix.RemoveAt(prefix.Count - 1);
        }
    }

    private void Write(StringBuilder text, List<int> prefix, bool summarize, Func<string> next, int indent)
    {
        if (prefix.Count == Rank)
        {
            text.Append(next());
            return;
        }
        text.Append('[');
        bool first = true;
        foreach (int i in Shown(prefix.Count, summarize))
        {
            if (!first)
            {
                text.Append(',');
                text.Append(prefix.Count == Rank - 1 ? " " : "\n" + new string('\n', Rank - prefix.Count - 2) + new string(' ', indent + prefix.Count + 1));
            }
            first = false;
            if (i < 0)
            {
                text.Append("...");
                continue;
            }
            prefix.Add(i);
            Write(text, prefix, summarize, next, indent);
            prefix.RemoveAt(prefix.Count - 1);
        }
        text.Append(']');
    }

    /// <summary>
    /// True when the shapes match and every pair of elements satisfies |a − b| ≤ atol + rtol·|b|
    /// (<c>torch.allclose</c>); NaNs are equal only when <paramref name="equalNan"/>.
    /// </summary>
    public bool AllClose(Tensor<T> other, double rtol = 1e-5, double atol = 1e-8, bool equalNan = false)
    {
        if (!Shapes.Equal(shape, other.shape))
        {
            return false;
        }
        T[] a = ToArray(), b = other.ToArray();
        T r = T.CreateChecked(rtol), t = T.CreateChecked(atol);
        for (int i = 0; i < a.Length; i++)
        {
            if (T.IsNaN(a[i]) || T.IsNaN(b[i]))
            {
                if (equalNan && T.IsNaN(a[i]) && T.IsNaN(b[i]))
                {
                    continue;
                }
                return false;
            }
            if (a[i] == b[i])
            {
                continue; // equal infinities
            }
            if (T.IsInfinity(a[i]) || T.IsInfinity(b[i]))
            {
                return false; // else |a − b| = ∞ ≤ atol + rtol·∞ would hold
            }
            if (!(T.Abs(a[i] - b[i]) <= t + r * T.Abs(b[i])))
            {
                return false;
            }
        }
        return true;
    }
}
