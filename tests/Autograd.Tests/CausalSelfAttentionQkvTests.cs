using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using Scratch.Tensors;
using static Scratch.Autograd.Tests.FusedOpSupport;

namespace Scratch.Autograd.Tests;

/// <summary>
/// <see cref="Var{T}.CausalSelfAttentionQkv"/>: the attention of q, k and v side by side in one
/// (B, T, 3C) tensor, as the GPT's c_attn makes them, against the same attention with the heads split by view ops.
/// </summary>
public sealed class CausalSelfAttentionQkvTests
{
    /// <summary>One problem: qkv (B, T, 3C) with C = H · hs.</summary>
    public sealed record Case(int B, int T, int H, int Hs, ulong Seed)
    {
        public int C => H * Hs;

        public Tensor<TNum> Qkv<TNum>() where TNum : unmanaged, IFloatingPointIeee754<TNum> => Cast<TNum>(Tensor<double>.Randn(new Rng(Seed), B, T, 3 * C));

        public override string ToString() => $"Case {{ B {B}, T {T}, H {H}, hs {Hs}, seed {Seed} }}";
    }

    private static readonly Gen<Case> Cases =
        from b in Gen.Choose(1, 2)
        from t in Gen.Choose(1, 6)
        from h in Gen.Choose(1, 3)
        from hs in Gen.Choose(1, 4)
        from seed in Seeds
        select new Case(b, t, h, hs, seed);

    /// <summary>nanoGPT's way: q, k and v sliced from qkv, split into heads, attended, and the heads joined back into (B, T, C).</summary>
    private static Var<TNum> SplitHeads<TNum>(Var<TNum> qkv, int nHead, double p, Rng? rng) where TNum : unmanaged, IFloatingPointIeee754<TNum>
    {
        int B = qkv.Shape[0], T = qkv.Shape[1], C = qkv.Shape[2] / 3;
        Var<TNum> Head(int part) => qkv.Slice(2, part * C, (part + 1) * C).Reshape(B, T, nHead, C / nHead).Transpose(1, 2); // (B, H, T, hs)
        return Var<TNum>.CausalSelfAttention(Head(0), Head(1), Head(2), p, rng).Transpose(1, 2).Reshape(B, T, C);
    }

    [Fact]
    public void Gradient_CausalSelfAttentionQkv() => ForAll(Cases, c =>
    {
        AssertGradCheck(x => Var<double>.CausalSelfAttentionQkv(x[0], c.H), [c.Qkv<double>()], c);
        AssertGradCheck(x => Var<double>.CausalSelfAttentionQkv(x[0], c.H, 0.3, new Rng(c.Seed + 1)), [c.Qkv<double>()], $"{c}, p = 0.3");
    }, count: 50);

    /// <summary>The same numbers, bit for bit, as the heads split by view ops: y and ∂L/∂qkv, with and without dropout, in double and float.</summary>
    [Fact]
    public void EqualsTheHeadsSplitByViews() => ForAll(Cases, c =>
    {
        AssertEqualsSplit<double>(c);
        AssertEqualsSplit<float>(c);
    });

    private static void AssertEqualsSplit<TNum>(Case c) where TNum : unmanaged, IFloatingPointIeee754<TNum>
    {
        foreach (double p in new[] { 0.0, 0.3 })
        {
            var dy = Cast<TNum>(Tensor<double>.Randn(new Rng(c.Seed + 2), c.B, c.T, c.C));
            (Tensor<TNum> Y, Tensor<TNum> Grad) Run(Func<Var<TNum>, Var<TNum>> attention)
            {
                var qkv = new Var<TNum>(c.Qkv<TNum>(), requiresGrad: true);
                var y = attention(qkv);
                y.Backward(dy);
                return (y.Value, qkv.Grad!);
            }
            var (y, grad) = Run(qkv => Var<TNum>.CausalSelfAttentionQkv(qkv, c.H, p, new Rng(c.Seed + 3)));
            var (expected, expectedGrad) = Run(qkv => SplitHeads(qkv, c.H, p, new Rng(c.Seed + 3)));
            Assert.Equal(expected.ShapeArray(), y.ShapeArray());
            Assert.Equal(expected.ToArray(), y.ToArray());
            Assert.Equal(expectedGrad.ToArray(), grad.ToArray());
        }
    }

    /// <summary>A qkv that is itself a view (every other token of a longer tensor) is read through its strides.</summary>
    [Fact]
    public void ReadsAStridedQkv()
    {
        var c = new Case(2, 4, 2, 3, 21);
        var longer = new Var<double>(Tensor<double>.Randn(new Rng(22), c.B, 2 * c.T, 3 * c.C), requiresGrad: true);
        var qkv = longer.Slice(1, 0, 2 * c.T, 2); // (B, T, 3C), not contiguous
        var y = Var<double>.CausalSelfAttentionQkv(qkv, c.H);
        var expected = SplitHeads(new Var<double>(qkv.Value.Contiguous()), c.H, 0, null);
        Assert.Equal(expected.Value.ToArray(), y.Value.ToArray());
        y.Sum().Backward();
        Assert.Equal(0.0, longer.Grad!.Slice(1, 1, 2 * c.T, 2).Abs().Sum().Item()); // the tokens between got nothing
    }

    [Theory]
    [InlineData(new[] { 2, 12 }, 2, "qkv must be (B, T, 3C)")]
    [InlineData(new[] { 1, 2, 12 }, 3, "C a positive multiple of nHead = 3")]
    [InlineData(new[] { 1, 2, 10 }, 1, "got [1,2,10]")]
    [InlineData(new[] { 1, 2, 0 }, 1, "got [1,2,0]")]
    [InlineData(new[] { 1, 2, 12 }, 0, "nHead = 0")]
    public void ABadShapeOrHeadCountIsAnErrorNamingBoth(int[] shape, int nHead, string expected)
    {
        var qkv = new Var<double>(Tensor<double>.Zeros(shape));
        var e = Assert.Throws<ArgumentException>(() => Var<double>.CausalSelfAttentionQkv(qkv, nHead));
        Assert.Contains("causal_self_attention", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void DropoutNeedsAGeneratorAndAProbabilityBelowOne()
    {
        var qkv = new Var<double>(Tensor<double>.Zeros(1, 2, 6));
        Assert.Contains("needs a generator", Assert.Throws<ArgumentNullException>(() => Var<double>.CausalSelfAttentionQkv(qkv, 1, 0.5)).Message);
        Assert.Contains("input [1,2,6]", Assert.Throws<ArgumentOutOfRangeException>(() => Var<double>.CausalSelfAttentionQkv(qkv, 1, 1.0, new Rng(1))).Message);
    }
}
