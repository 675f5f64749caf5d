using System.Numerics;
using Scratch.Tensors.Kernels;

namespace Scratch.Tensors.Tests;

/// <summary>The SIMD exp against the scalar one.</summary>
public sealed class VectorMathTests
{
    /// <summary>
    /// ExpFloat equals MathF.Exp within 3 ulps (relative 3·2⁻²³) on a dense grid over the whole normal range,
    /// NaN stays NaN and the clamp holds for infinities.
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
        // The clamp: −∞ gives the smallest result, +∞ and 1000 that of 88, and a NaN lane leaves its neighbours alone.
        Assert.Equal(VectorMath.ExpFloat(new Vector<float>(-87.3f))[0], VectorMath.ExpFloat(new Vector<float>(float.NegativeInfinity))[0]);
        Assert.Equal(VectorMath.ExpFloat(new Vector<float>(88f))[0], VectorMath.ExpFloat(new Vector<float>(float.PositiveInfinity))[0]);
        Assert.Equal(VectorMath.ExpFloat(new Vector<float>(88f))[0], VectorMath.ExpFloat(new Vector<float>(1000f))[0]);
        lanes.AsSpan().Fill(1f);
        lanes[0] = float.NaN;
        var mixed = VectorMath.ExpFloat(new Vector<float>(lanes));
        Assert.True(float.IsNaN(mixed[0]));
        Assert.Equal(MathF.E, mixed[width - 1], 5e-7f);
    }

    /// <summary>
    /// Exp for double lanes is the base library's Vector.Exp (within 1e-15 relative of Math.Exp here), HasExp says
    /// which types have a SIMD exp, and a type without one is refused by name.
    /// </summary>
    [Fact]
    public void ExpTakesEachTypesOwnSimdFormAndRefusesOthers()
    {
        Assert.Equal(Vector.IsHardwareAccelerated, VectorMath.HasExp<float>());
        Assert.Equal(Vector.IsHardwareAccelerated, VectorMath.HasExp<double>());
        Assert.False(VectorMath.HasExp<Half>());

        int width = Vector<double>.Count;
        var lanes = new double[width];
        for (int i = 0; i < width; i++)
        {
            lanes[i] = -20.5 + 13.25 * i;
        }
        var e = VectorMath.Exp(new Vector<double>(lanes));
        for (int i = 0; i < width; i++)
        {
            double expected = Math.Exp(lanes[i]);
            Assert.True(Math.Abs(e[i] - expected) <= 1e-15 * expected, $"exp({lanes[i]}) = {e[i]}, Math.Exp {expected}");
        }
        Assert.Equal(1f, VectorMath.Exp(Vector<float>.Zero)[0]);

        var refused = Assert.Throws<NotSupportedException>(() => VectorMath.Exp(default(Vector<Half>)));
        Assert.Equal("VectorMath.Exp: no SIMD exp for Half", refused.Message);
    }
}
