using Scratch.Tensors;

namespace Scratch.Benchmarks;

/// <summary>The check every benchmark runs before it is timed: the fast result equals the reference.</summary>
internal static class Verify
{
    public static void Close(string what, Tensor<float> expected, Tensor<float> actual, double tolerance)
    {
        if (!actual.AllClose(expected, rtol: tolerance, atol: tolerance))
        {
            throw new InvalidOperationException($"{what}: the fast result differs from the reference (tolerance {tolerance:G2})");
        }
    }
}
