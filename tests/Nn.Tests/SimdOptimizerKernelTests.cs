using Scratch.Autograd;
using Scratch.Nn.Optimizers;
using Scratch.Tensors;

namespace Scratch.Nn.Tests;

/// <summary>
/// The SIMD loops of AdamW and gradient clipping against the plain formulas, written out here one number at
/// a time, in float, on lengths that leave a scalar tail (37 = 4 vectors of 8 + 5).
/// </summary>
public sealed class SimdOptimizerKernelTests
{
    [Fact]
    public void SimdAdamWEqualsTheScalarFormulaBitForBit()
    {
        var rng = new Rng(11);
        var w = new Var<float>(Tensor<float>.Randn(rng, 37, 3), requiresGrad: true);   // decayed (2-D)
        var b = new Var<float>(Tensor<float>.Randn(rng, 37), requiresGrad: true);      // not decayed
        float[] w0 = w.Value.ToArray(), b0 = b.Value.ToArray();
        var optimizer = new AdamW<float>(ParamGroups.ForWeightDecay([("w", w), ("b", b)], 0.1), lr: 1e-2, beta1: 0.9, beta2: 0.99);
        var expected = new[] { (Theta: w0, M: new float[w0.Length], V: new float[w0.Length], Decay: 0.1), (Theta: b0, M: new float[b0.Length], V: new float[b0.Length], Decay: 0.0) };
        for (int t = 1; t <= 3; t++)
        {
            var grads = new[] { Tensor<float>.Randn(rng, 37, 3), Tensor<float>.Randn(rng, 37) };
            w.ZeroGrad();
            b.ZeroGrad();
            w.Backward(grads[0]);
            b.Backward(grads[1]);
            optimizer.Step();
            for (int p = 0; p < 2; p++)
            {
                var (theta, m, v, decay) = expected[p];
                float[] g = grads[p].ToArray();
                float shrink = (float)(1 - 1e-2 * decay);
                float stepSize = (float)(1e-2 / (1 - Math.Pow(0.9, t))), sqrtBc2 = (float)Math.Sqrt(1 - Math.Pow(0.99, t));
                for (int j = 0; j < theta.Length; j++)
                {
                    if (decay != 0)
                    {
                        theta[j] *= shrink;
                    }
                    float gj = g[j] + 0f * theta[j];
                    m[j] = 0.9f * m[j] + (float)(1 - 0.9) * gj;
                    v[j] = 0.99f * v[j] + (float)(1 - 0.99) * gj * gj;
                    theta[j] -= stepSize * m[j] / (MathF.Sqrt(v[j]) / sqrtBc2 + 1e-8f);
                }
            }
        }
        Assert.Equal(expected[0].Theta, w.Value.ToArray());
        Assert.Equal(expected[1].Theta, b.Value.ToArray());
    }

    [Fact]
    public void SimdClipGradNormEqualsTheDoubleFormula()
    {
        var rng = new Rng(12);
        var ps = new[] { new Var<float>(Tensor<float>.Randn(rng, 37), requiresGrad: true), new Var<float>(Tensor<float>.Randn(rng, 5, 9), requiresGrad: true) };
        var grads = new[] { Tensor<float>.Randn(rng, 37) * 3f, Tensor<float>.Randn(rng, 5, 9) * 3f };
        ps[0].Backward(grads[0]);
        ps[1].Backward(grads[1]);
        double expectedNorm = Math.Sqrt(grads.SelectMany(g => g.ToArray()).Sum(x => (double)x * x));
        double norm = GradClipping.ClipGradNorm(ps, 1.0);
        Assert.Equal(expectedNorm, norm, 1e-12 * expectedNorm);
        float scale = (float)Math.Min(1.0, 1.0 / (expectedNorm + 1e-6));
        for (int p = 0; p < 2; p++)
        {
            Assert.Equal(grads[p].ToArray().Select(x => x * scale).ToArray(), ps[p].Grad!.ToArray());
        }
    }
}
