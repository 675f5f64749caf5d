using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using Scratch.Autograd.Composites;
using Scratch.Autograd.Kernels;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;
using static Scratch.Autograd.Tests.FusedOpSupport;

namespace Scratch.Autograd.Tests;

/// <summary>
/// What the fast kernels promise beyond "close to the reference": in double they take the exact scalar exp (the SIMD
/// exp is float's, a few ulps off, and double is for gradient checks), so their softmax numbers are the reference
/// arithmetic to the last bit; they read tensors that are views starting inside their storage; and huge scores do not
/// overflow the max-subtracted softmax.
/// </summary>
public sealed class KernelEdgeTests
{
    private static readonly Gen<CrossEntropyKernelTests.Case> CrossEntropyCases =
        from n in Gen.Choose(1, 12)
        from v in Gen.Choose(1, 40)
        from scale in Gen.Elements(0.1, 3.0, 30.0)
        from seed in Seeds
        select new CrossEntropyKernelTests.Case(n, v, scale, seed);

    /// <summary>In double the fast cross-entropy does the reference's arithmetic in the reference's order: equal bits.</summary>
    [Fact]
    public void CrossEntropyInDoubleIsTheReferenceToTheLastBit() => ForAll(CrossEntropyCases, c =>
    {
        const int ignore = -1;
        var (z, y, dloss) = c.Inputs<double>();
        var (loss, lse) = CrossEntropyFast.Forward(z, y, ignore);
        var (lossRef, lseRef) = CrossEntropyReference.Forward(z, y, ignore);
        Assert.Equal(lossRef, loss);
        for (int n = 0; n < c.N; n++)
        {
            Assert.True(y[n] == ignore || lse[n].Equals(lseRef[n]), $"{c}: lse[{n}] {lse[n]}, reference {lseRef[n]}");
        }
        Assert.Equal(CrossEntropyReference.Backward(dloss, z, y, ignore, lseRef).ToArray(), CrossEntropyFast.Backward(dloss, z, y, ignore, lse).ToArray());
    });

    /// <summary>
    /// In double each attention row is softmax(scores · scale) with the scalar exp, max-subtracted, the sum taken in key
    /// order and multiplied by its reciprocal: rebuilt here from the same scores, it must match to the last bit.
    /// </summary>
    [Fact]
    public void AttentionSoftmaxInDoubleUsesTheExactExp()
    {
        var rng = new Rng(11);
        int B = 2, H = 2, T = 19, hs = 5; // rows of 1 to 19 keys: shorter and longer than a vector
        var (q, k, v) = (Tensor<double>.Randn(rng, B, H, T, hs) * 2.0, Tensor<double>.Randn(rng, B, H, T, hs) * 2.0, Tensor<double>.Randn(rng, B, H, T, hs));
        var (_, att, _) = AttentionFast.Forward(q, k, v, null);

        double scale = 1 / Math.Sqrt(hs);
        var scores = Tensor<double>.MatMul(q, k.Transpose(-2, -1)).ToArray(); // the product the kernel starts from
        var a = att.ToArray();
        for (int row = 0; row < B * H * T; row++)
        {
            int t = row % T;
            var pre = Enumerable.Range(0, t + 1).Select(s => scores[row * T + s] * scale).ToArray();
            double max = pre.Max(), sum = 0;
            var e = pre.Select(p => Math.Exp(p - max)).ToArray();
            foreach (double x in e)
            {
                sum += x;
            }
            for (int s = 0; s < T; s++)
            {
                double expected = s <= t ? e[s] * (1 / sum) : 0;
                Assert.True(expected.Equals(a[row * T + s]), $"att row {row}, key {s}: {a[row * T + s]}, exact exp gives {expected}");
            }
        }
    }

    /// <summary>Scores near ±900: exp would overflow without the row's max subtracted; all three layers stay finite and agree.</summary>
    /// <summary>
    /// In float each attention row takes the SIMD exp for every full vector of its t + 1 keys and the scalar exp only
    /// for the rest; the two exps differ in the last bits, so the split is visible. Rebuilt here from the same scores
    /// in the kernel's order (the full vectors summed lane by lane, then the tail), the rows match to the last bit.
    /// </summary>
    [Fact]
    public void AttentionSoftmaxInFloatTakesTheSimdExpForEveryFullVector()
    {
        var rng = new Rng(12);
        int w = System.Numerics.Vector<float>.Count, T = 3 * w + 2, hs = 4, differences = 0; // rows of 1 to 3w + 2 keys
        var (q, k, v) = (Tensor<float>.Randn(rng, 1, 1, T, hs) * 2f, Tensor<float>.Randn(rng, 1, 1, T, hs) * 2f, Tensor<float>.Randn(rng, 1, 1, T, hs));
        var (_, att, _) = AttentionFast.Forward(q, k, v, null);

        float scale = 1 / MathF.Sqrt(hs);
        var scores = Tensor<float>.MatMul(q, k.Transpose(-2, -1)).ToArray(); // the product the kernel starts from
        var a = att.ToArray();
        for (int t = 0; t < T; t++)
        {
            float[] pre = Enumerable.Range(0, t + 1).Select(s => scores[t * T + s] * scale).ToArray();
            float max = pre.Max();
            int full = VectorMath.HasExp<float>() ? (t + 1) / w * w : 0;
            var e = new float[t + 1];
            var lanes = Vector<float>.Zero;
            for (int s = 0; s < full; s += w)
            {
                var ev = VectorMath.Exp(new Vector<float>(pre, s) - new Vector<float>(max));
                ev.CopyTo(e, s);
                lanes += ev;
            }
            float sum = Vector.Sum(lanes);
            for (int s = full; s <= t; s++)
            {
                e[s] = MathF.Exp(pre[s] - max);
                sum += e[s];
            }
            for (int s = 0; s < T; s++)
            {
                float expected = s <= t ? e[s] * (1 / sum) : 0;
                Assert.True(expected.Equals(a[t * T + s]), $"att row {t}, key {s}: {a[t * T + s]}, rebuilt {expected}");
                differences += s < full && !e[s].Equals(MathF.Exp(pre[s] - max)) ? 1 : 0;
            }
        }
        Assert.True(differences > 0 || !VectorMath.HasExp<float>(), "the SIMD and scalar exps agree everywhere here: this test could not see the split");
    }

    /// <summary>
    /// In float GELU's backward takes its SIMD form, s + 2·x·s·(1 − s)·u′ with s = σ(2u) through the SIMD exp, for every
    /// full vector, and the reference's tanh form, ½·(1 + tanh u) + ½·x·(1 − tanh² u)·u′, only for the last n mod W
    /// elements. The two differ in the last bits, so the split is visible: each element equals its own form exactly.
    /// </summary>
    [Fact]
    public void GeluBackwardInFloatTakesTheSimdFormForEveryFullVector()
    {
        int w = Vector<float>.Count, differences = 0;
        float a = (float)0.044715, a3 = 3 * a, k = (float)GeluReference.SqrtTwoOverPi;
        for (int n = 1; n <= 3 * w + 2; n++)
        {
            var rng = new Rng((ulong)n);
            float[] x = (Tensor<float>.Randn(rng, n) * 3f).ToArray(), dy = Tensor<float>.Randn(rng, n).ToArray();
            float[] dx = GeluFast.Backward(Tensor<float>.FromArray(x, n), Tensor<float>.FromArray(dy, n)).ToArray();
            int full = VectorMath.HasExp<float>() ? n / w * w : 0;
            for (int i = 0; i < n; i++)
            {
                float t = MathF.Tanh(k * (x[i] + a * x[i] * x[i] * x[i])), dt = k * (1 + a3 * x[i] * x[i]);
                float scalar = dy[i] * (0.5f * (1 + t) + 0.5f * x[i] * (1 - t * t) * dt);
                float expected = scalar;
                if (i < full)
                {
                    var (xi, one) = (new Vector<float>(x, i / w * w), Vector<float>.One);
                    var x2 = xi * xi;
                    var u = new Vector<float>(k) * (xi + new Vector<float>(a) * x2 * xi);
                    var du = new Vector<float>(k) * (one + new Vector<float>(a3) * x2);
                    var sig = one / (one + VectorMath.Exp(-(u + u)));
                    expected = (new Vector<float>(dy, i / w * w) * (sig + (xi + xi) * sig * (one - sig) * du))[i % w];
                }
                differences += expected.Equals(scalar) ? 0 : 1;
                Assert.True(expected.Equals(dx[i]), $"n {n}, element {i} ({(i < full ? "SIMD" : "tail")}): dx {dx[i]}, its form gives {expected}");
            }
        }
        Assert.True(differences > 0 || !VectorMath.HasExp<float>(), "the SIMD and tanh forms agree everywhere here: this test could not see the split");
    }

    [Fact]
    public void AttentionWithHugeScoresStaysFinite()
    {
        var rng = new Rng(12);
        var (q, k, v) = (Tensor<double>.Randn(rng, 1, 2, 6, 1) * 30.0, Tensor<double>.Randn(rng, 1, 2, 6, 1) * 30.0, Tensor<double>.Randn(rng, 1, 2, 6, 1));
        var (yRef, attRef) = AttentionReference.Forward(q, k, v, null);
        var (y, att, _) = AttentionFast.Forward(q, k, v, null);
        var leaves = new[] { q, k, v }.Select(x => new Var<double>(x)).ToArray();
        var composite = Composite.CausalSelfAttention(leaves[0], leaves[1], leaves[2]).Value;
        Assert.All(attRef.ToArray(), p => Assert.True(double.IsFinite(p), $"reference att {p}"));
        AssertClose(composite, yRef, 1e-12, "reference y against the composite");
        AssertClose(yRef, y, 1e-12, "fast y against the reference");
        AssertClose(attRef, att, 1e-12, "fast att against the reference");
    }

    /// <summary>
    /// The composite is made of batched ops, so it takes any leading dimensions: heads alone, (H, T, hs), give what the
    /// same heads in a batch of one give, forward and backward.
    /// </summary>
    [Fact]
    public void CompositeAttentionTakesAnyLeadingDimensions()
    {
        var rng = new Rng(15);
        var (q, k, v) = (Tensor<double>.Randn(rng, 2, 4, 3), Tensor<double>.Randn(rng, 2, 4, 3), Tensor<double>.Randn(rng, 2, 4, 3));
        Var<double>[] Run(params int[] shape) // the three as leaves of this shape, after ∂(Σ y ⊙ w)/∂leaf
        {
            var leaves = new[] { q, k, v }.Select(x => new Var<double>(x.Reshape(shape), requiresGrad: true)).ToArray();
            var y = Composite.CausalSelfAttention(leaves[0], leaves[1], leaves[2]);
            (y * new Var<double>(Tensor<double>.Arange(24).Reshape(shape))).Sum().Backward();
            return [y, .. leaves];
        }
        var heads = Run(2, 4, 3);
        var batch = Run(1, 2, 4, 3);
        for (int i = 0; i < 4; i++)
        {
            var (a, b) = i == 0 ? (heads[0].Value, batch[0].Value) : (heads[i].Grad!, batch[i].Grad!);
            AssertClose(b.Reshape(2, 4, 3), a, 1e-12, i == 0 ? "y" : $"gradient of input {i - 1}");
        }
    }

    /// <summary>
    /// Tensors that start inside their storage (a slice of a larger one, contiguous from its offset): layer norm's bias
    /// and attention's dropout mask, against the same numbers copied to tensors of their own.
    /// </summary>
    [Fact]
    public void KernelsReadViewsThatStartInsideTheirStorage()
    {
        var rng = new Rng(13);
        var (x, w) = (Tensor<double>.Randn(rng, 4, 5), Tensor<double>.Randn(rng, 5));
        var biasView = Tensor<double>.Randn(rng, 3, 5).Narrow(0, 2, 1).Reshape(5); // the last 5 of 15 numbers
        Assert.True(biasView.IsContiguous && biasView.Offset > 0);
        AssertClose(LayerNormFast.Forward(x, w, biasView.Clone(), 1e-5).Y, LayerNormFast.Forward(x, w, biasView, 1e-5).Y, 0, "layer norm, bias a view");

        var (q, k, v, dy) = (Tensor<double>.Randn(rng, 1, 2, 4, 3), Tensor<double>.Randn(rng, 1, 2, 4, 3), Tensor<double>.Randn(rng, 1, 2, 4, 3), Tensor<double>.Randn(rng, 1, 2, 4, 3));
        var maskView = Var<double>.DropoutMask([2, 2, 4, 4], 0.5, new Rng(14)).Narrow(0, 1, 1); // the second of two (B, H, T, T) masks
        Assert.True(maskView.IsContiguous && maskView.Offset > 0);
        var maskOwn = maskView.Clone();
        var (yOwn, att, weights) = AttentionFast.Forward(q, k, v, maskOwn);
        var (yView, _, weightsView) = AttentionFast.Forward(q, k, v, maskView);
        AssertClose(yOwn, yView, 0, "attention y, mask a view");
        AssertClose(weights, weightsView, 0, "attention weights, mask a view");
        var expected = AttentionFast.Backward(dy, q, k, v, att, weights, maskOwn);
        var actual = AttentionFast.Backward(dy, q, k, v, att, weights, maskView);
        AssertClose(expected.Dq, actual.Dq, 0, "attention dq, mask a view");
        AssertClose(expected.Dk, actual.Dk, 0, "attention dk, mask a view");
        AssertClose(expected.Dv, actual.Dv, 0, "attention dv, mask a view");
    }

    /// <summary>
    /// In float the fast cross-entropy takes the SIMD exp for every full vector of a row and the scalar exp only for the
    /// last V mod W logits, forward (Σᵥ exp(zᵥ − m)) and backward (scale · exp(zᵥ − lse)). The two exps differ in the
    /// last bits, so the split is visible: rebuilt here in the kernel's order, the numbers are equal to the last bit.
    /// </summary>
    [Fact]
    public void FloatCrossEntropyTakesTheSimdExpForEveryFullVector()
    {
        int w = Vector<float>.Count, differences = 0;
        const float dloss = 0.75f;
        for (int V = 1; V <= 3 * w + 2; V++)
        {
            float[] z = Tensor<float>.Randn(new Rng((ulong)V), V).ToArray().Select(v => 3 * v).ToArray();
            int target = V / 2, full = VectorMath.HasExp<float>() ? V / w * w : 0;
            var logits = Tensor<float>.FromArray(z, 1, V);

            // forward: lse = m + log Σᵥ exp(zᵥ − m), the full vectors summed lane by lane, then the tail one by one
            var (loss, lse) = CrossEntropyFast.Forward(logits, [target], ignoreIndex: -1);
            float m = z.Max();
            var lanes = Vector<float>.Zero;
            for (int v = 0; v < full; v += w)
            {
                lanes += VectorMath.Exp(new Vector<float>(z, v) - new Vector<float>(m));
            }
            float sum = Vector.Sum(lanes);
            for (int v = full; v < V; v++)
            {
                sum += MathF.Exp(z[v] - m);
            }
            float expectedLse = m + MathF.Log(sum);
            Assert.True(expectedLse.Equals(lse[0]), $"V {V}: lse {lse[0]}, rebuilt {expectedLse}");
            Assert.True((expectedLse - z[target]).Equals(loss), $"V {V}: loss {loss}, rebuilt {expectedLse - z[target]}");

            // backward: ∂L/∂zᵥ = scale · exp(zᵥ − lse) − scale · [v = target], scale = dloss / N′ (N′ = 1)
            float[] dz = CrossEntropyFast.Backward(dloss, logits, [target], -1, lse).ToArray();
            for (int v = 0; v < V; v++)
            {
                float scalar = dloss * MathF.Exp(z[v] - lse[0]);
                float expected = v < full
                    ? (new Vector<float>(dloss) * VectorMath.Exp(new Vector<float>(z, v / w * w) - new Vector<float>(lse[0])))[v % w]
                    : scalar;
                differences += expected.Equals(scalar) ? 0 : 1;
                expected -= v == target ? dloss : 0f;
                Assert.True(expected.Equals(dz[v]), $"V {V}, v {v}: ∂L/∂z {dz[v]}, rebuilt {expected}");
            }
        }
        Assert.True(differences > 0 || !VectorMath.HasExp<float>(), "the SIMD and scalar exps agree everywhere here: this test could not see the split");
    }
}
