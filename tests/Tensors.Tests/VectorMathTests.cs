using System.Numerics;
using Scratch.Tensors.Kernels;

namespace Scratch.Tensors.Tests;

/// <summary>The SIMD exp against the scalar one.</summary>
public sealed class VectorMathTests
{
    /// <summary>
    /// ExpFloat equals MathF.Exp within 3 ulps (relative 3·2⁻²³) on a dense grid over the whole normal range,
    /// and NaN stays NaN.
    /// </summary>
    [Fact]
    public void ExpFloatEqualsScalarExpWithinThreeUlps()
    {
        int width = Vector<float>.Count;
        var lanes = new float[width];
        double worst = 0;
        for (double start = -87.0; start < 87.9; start += 0.000731 * width)
        {
            for (int i = 0; i < width; i++)
            {
                lanes[i] = (float)(start + i * 0.000731);
            }
            var e = VectorMath.ExpFloat(new Vector<float>(lanes));
            for (int i = 0; i < width; i++)
            {
                double expected = Math.Exp(lanes[i]);
                worst = Math.Max(worst, Math.Abs(e[i] - expected) / expected);
            }
        }
        Assert.True(worst <= 3.0 / (1 << 23), $"largest relative error {worst:G3} (3 ulps = {3.0 / (1 << 23):G3})");
        Assert.True(float.IsNaN(VectorMath.ExpFloat(new Vector<float>(float.NaN))[0]));
        Assert.Equal(1f, VectorMath.ExpFloat(Vector<float>.Zero)[0]);
        Assert.True(VectorMath.ExpFloat(new Vector<float>(-1000f))[0] < 1e-37f);
    }
}
