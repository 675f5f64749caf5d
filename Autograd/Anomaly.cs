using System.Numerics;
using Scratch.Tensors;

namespace Scratch.Autograd;

/// <summary>The checks <see cref="GradMode.DetectAnomaly"/> turns on.</summary>
internal static class Anomaly
{
    /// <summary>Throws if an op's output holds NaN or ±Inf, naming the op, its inputs and its place in the graph.</summary>
    public static void CheckForward<T>(string op, Tensor<T> value, Var<T>[] parents) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (FirstNonFinite(value) is not (int flat, T bad))
        {
            return;
        }
        string inputs = string.Join(", ", parents.Select(p => p.ToString()));
        throw new AnomalyException(
            $"anomaly: {op} produced {Describe(bad)} at element {flat} of its output {Shapes.Format(value.Shape)}; " +
            $"inputs: {inputs}; where: {Path(op, parents)}");
    }

    /// <summary>Throws if a node's backward function sent NaN or ±Inf to one of its parents.</summary>
    public static void CheckBackward<T>(Var<T> node) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < node.Parents.Count; i++)
        {
            var parent = node.Parents[i];
            if (parent.Grad is { } grad && FirstNonFinite(grad) is (int flat, T bad))
            {
                throw new AnomalyException(
                    $"anomaly: backward of {node.Op} sent {Describe(bad)} to the gradient of input {i} ({parent}) at element {flat}; " +
                    $"where: {Path(node.Op, [.. node.Parents])}");
            }
        }
    }

    private static (int, T)? FirstNonFinite<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] values = x.ToArray();
        for (int i = 0; i < values.Length; i++)
        {
            if (!T.IsFinite(values[i]))
            {
                return (i, values[i]);
            }
        }
        return null;
    }

    private static string Describe<T>(T value) where T : unmanaged, IFloatingPointIeee754<T> =>
        T.IsNaN(value) ? "NaN" : T.IsPositiveInfinity(value) ? "+Inf" : "-Inf";

    /// <summary>The chain of ops back to a leaf, following each node's first parent: "log ← softmax ← matmul ← leaf 'w' [3,4]".</summary>
    private static string Path<T>(string op, Var<T>[] parents) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var steps = new List<string> { op };
        var node = parents.Length > 0 ? parents[0] : null;
        while (node is not null && steps.Count < 12)
        {
            steps.Add(node.IsLeaf ? $"leaf{(node.Name is null ? "" : $" '{node.Name}'")} {Shapes.Format(node.Value.Shape)}" : node.Op);
            node = node.Parents.Count > 0 ? node.Parents[0] : null;
        }
        return string.Join(" ← ", steps) + (node is null ? "" : " ← …");
    }
}
