using System.Numerics;
using Scratch.Tensors;

namespace Scratch.Autograd.Tests;

/// <summary>
/// <see cref="Var{T}.CausalSelfAttention"/> against the composite built from primitive Var ops at sizes that are
/// not multiples of a SIMD Vector (T = 1, 7, 33, 65; hs = 1, 5, 32, 48), in float and in double, values and all
/// three gradients. Inputs are strided views: q, k, v split from one (B, T, 3C) tensor as nanoGPT does (rows 3C
/// apart), or stored keys-major (B, H, hs, T) and transposed (hs not adjacent). Any faster kernel for the op
/// must keep these green.
/// </summary>
public sealed class CausalSelfAttentionKernelTests
{
    public static TheoryData<int, int> Sizes()
    {
        var data = new TheoryData<int, int>();
        foreach (int t in new[] { 1, 7, 33, 65 })
        {
            foreach (int hs in new[] { 1, 5, 32, 48 })
            {
                data.Add(t, hs);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void FusedEqualsCompositeInDouble(int nT, int hs)
    {
        AssertFusedEqualsComposite<double>(nT, hs, keysMajor: false, 1e-12);
        AssertFusedEqualsComposite<double>(nT, hs, keysMajor: true, 1e-12);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void FusedEqualsCompositeInFloat(int nT, int hs)
    {
        AssertFusedEqualsComposite<float>(nT, hs, keysMajor: false, 1e-5);
        AssertFusedEqualsComposite<float>(nT, hs, keysMajor: true, 1e-5);
    }

    /// <summary>
    /// The same numbers run to run, and for a head whether it is computed among 24 (work split over the cores,
    /// on 2+ cores) or alone (on one thread): no sum may be split differently depending on the work around it.
    /// </summary>
    [Fact]
    public void AHeadGivesTheSameNumbersAloneAsAmongMany()
    {
        const int B = 4, H = 6, nT = 65, hs = 32, C = H * hs;
        var x = Tensor<float>.Randn(new Rng(3), B, nT, 3 * C);
        var (y, grads) = Run<float>(B, H, nT, hs, keysMajor: false, fused: true, seed: 3, input: x);
        var (y2, grads2) = Run<float>(B, H, nT, hs, keysMajor: false, fused: true, seed: 3, input: x);
        Assert.Equal(y.ToArray(), y2.ToArray());
        Assert.Equal(grads[0].ToArray(), grads2[0].ToArray());

        // the last head (b = B − 1, h = H − 1) as a problem of its own, with the same dy
        var last = x.Narrow(0, B - 1, 1);
        var alone = Tensor<float>.Concat([last.Narrow(2, C - hs, hs), last.Narrow(2, 2 * C - hs, hs), last.Narrow(2, 3 * C - hs, hs)], 2); // (1, T, 3hs)
        var dyLast = Tensor<float>.Randn(new Rng(4), B, H, nT, hs).Narrow(0, B - 1, 1).Narrow(1, H - 1, 1);
        var (yAlone, _) = Run<float>(1, 1, nT, hs, keysMajor: false, fused: true, seed: 3, input: alone, dy: dyLast);
        Assert.Equal(y.Narrow(0, B - 1, 1).Narrow(1, H - 1, 1).ToArray(), yAlone.ToArray());
    }

    private static void AssertFusedEqualsComposite<T>(int nT, int hs, bool keysMajor, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int B = 2, H = 3;
        var (y, grads) = Run<T>(B, H, nT, hs, keysMajor, fused: true, seed: (ulong)(nT * 100 + hs));
        var (expected, expectedGrads) = Run<T>(B, H, nT, hs, keysMajor, fused: false, seed: (ulong)(nT * 100 + hs));
        string what = $"{typeof(T).Name} T={nT} hs={hs} {(keysMajor ? "keys-major" : "split from (B, T, 3C)")}";
        AssertClose(expected, y, tolerance, $"{what}: y");
        string[] names = keysMajor ? ["dq", "dk", "dv"] : ["d(qkv)"];
        for (int i = 0; i < grads.Length; i++)
        {
            AssertClose(expectedGrads[i], grads[i], tolerance, $"{what}: {names[i]}");
        }
    }

    /// <summary>
    /// y = attention(q, k, v) with random inputs, backward with a random dy; returns y and the leaves' gradients.
    /// fused: the op under test; otherwise <see cref="Composites.Composite.CausalSelfAttention"/>, made of primitive Var ops.
    /// </summary>
    private static (Tensor<T> Y, Tensor<T>[] Grads) Run<T>(int B, int H, int nT, int hs, bool keysMajor, bool fused, ulong seed, Tensor<T>? input = null, Tensor<T>? dy = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Rng(seed);
        Var<T>[] leaves;
        Var<T> q, k, v;
        if (keysMajor)
        {
            leaves = Enumerable.Range(0, 3).Select(_ => new Var<T>(Tensor<T>.Randn(rng, B, H, hs, nT), requiresGrad: true)).ToArray();
            (q, k, v) = (leaves[0].Transpose(2, 3), leaves[1].Transpose(2, 3), leaves[2].Transpose(2, 3)); // (B, H, T, hs), hs not adjacent
        }
        else
        {
            int C = H * hs;
            var x = input ?? Tensor<T>.Randn(rng, B, nT, 3 * C);
            leaves = [new Var<T>(x, requiresGrad: true)];
            var qkv = leaves[0]; // (B, T, 3C)
            q = qkv.Slice(2, 0, C).Reshape(B, nT, H, hs).Transpose(1, 2); // (B, H, T, hs), rows 3C apart
            k = qkv.Slice(2, C, 2 * C).Reshape(B, nT, H, hs).Transpose(1, 2);
            v = qkv.Slice(2, 2 * C, 3 * C).Reshape(B, nT, H, hs).Transpose(1, 2);
        }
        Var<T> y;
        if (fused)
        {
            y = Var<T>.CausalSelfAttention(q, k, v);
        }
        else
        {
            y = Composites.Composite.CausalSelfAttention(q, k, v); // softmax(masked_fill(q·kᵀ/√hs, s > t, −∞))·v
        }
        y.Backward(dy ?? Tensor<T>.Randn(new Rng(seed + 1), B, H, nT, hs));
        return (y.Value, leaves.Select(l => l.Grad!).ToArray());
    }

    private static void AssertClose<T>(Tensor<T> expected, Tensor<T> actual, double tolerance, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.ShapeArray(), actual.ShapeArray());
        var e = expected.ToArray();
        var a = actual.ToArray();
        for (int i = 0; i < e.Length; i++)
        {
            double ei = double.CreateChecked(e[i]), ai = double.CreateChecked(a[i]);
            Assert.True(Math.Abs(ei - ai) <= tolerance * Math.Max(1, Math.Abs(ei)), $"{what}[{i}]: composite {ei}, fused {ai}");
        }
    }
}
