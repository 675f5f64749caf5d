using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using Scratch.Autograd.Composites;
using Scratch.Autograd.Kernels;
using Scratch.Tensors;
using static Scratch.Autograd.Tests.FusedOpSupport;

namespace Scratch.Autograd.Tests;

/// <summary>
/// The three layers of causal self-attention held equal: <see cref="AttentionFast"/> to <see cref="AttentionReference"/>
/// (forward and backward, with and without a dropout mask), and the reference to <see cref="Composite.CausalSelfAttention"/>,
/// whose gradient the engine derives from primitive ops. Then what attention dropout must do.
/// </summary>
public sealed class AttentionKernelTests
{
    /// <summary>q, k, v and dy (B, H, T, hs); a dropout mask m/(1 − p) (B, H, T, T) when P &gt; 0.</summary>
    public sealed record Case(int B, int H, int T, int Hs, double P, ulong Seed)
    {
        public (Tensor<TNum> Q, Tensor<TNum> K, Tensor<TNum> V, Tensor<TNum> Dy, Tensor<TNum>? Mask) Inputs<TNum>()
            where TNum : unmanaged, IFloatingPointIeee754<TNum>
        {
            var rng = new Rng(Seed);
            Tensor<TNum> Draw() => Cast<TNum>(Tensor<double>.Randn(rng, B, H, T, Hs) * 2.0);
            var (q, k, v, dy) = (Draw(), Draw(), Draw(), Draw());
            var mask = P > 0 ? Var<TNum>.DropoutMask([B, H, T, T], P, new Rng(Seed + 1)) : null;
            return (q, k, v, dy, mask);
        }

        public override string ToString() => $"Case {{ (B, H, T, hs) = [{B},{H},{T},{Hs}], dropout {P}, seed {Seed} }}";
    }

    private static readonly Gen<Case> Cases =
        from b in Gen.Choose(1, 2)
        from h in Gen.Choose(1, 3)
        from t in Gen.Choose(1, 20)
        from hs in Gen.Choose(1, 12)
        from p in Gen.Elements(0.0, 0.0, 0.2, 0.5)
        from seed in Seeds
        select new Case(b, h, t, hs, p, seed);

    [Fact]
    public void FastEqualsReference() => ForAll(Cases, c => AssertFastEqualsReference<double>(c, 1e-12));

    /// <summary>At the GPT's size (12 batches, 4 heads, T = 64, hs = 32) the rows run on all cores, in double and in float.</summary>
    [Fact]
    public void FastEqualsReferenceAtGptSize()
    {
        AssertFastEqualsReference<double>(new Case(12, 4, 64, 32, 0.2, 5), 1e-12);
        AssertFastEqualsReference<float>(new Case(12, 4, 64, 32, 0.0, 6), 1e-4);
    }

    private static void AssertFastEqualsReference<TNum>(Case c, double tolerance) where TNum : unmanaged, IFloatingPointIeee754<TNum>
    {
        var (q, k, v, dy, mask) = c.Inputs<TNum>();
        var (y, att, weights) = AttentionFast.Forward(q, k, v, mask);
        var (yRef, attRef) = AttentionReference.Forward(q, k, v, mask);
        AssertClose(attRef, att, tolerance, $"{c}: att");
        AssertClose(mask is null ? att : att * mask, weights, 0, $"{c}: weights = att ⊙ mask");
        AssertClose(yRef, y, tolerance, $"{c}: y");
        var (dq, dk, dv) = AttentionFast.Backward(dy, q, k, v, att, weights, mask);
        var (dqRef, dkRef, dvRef) = AttentionReference.Backward(dy, q, k, v, attRef, mask);
        AssertClose(dqRef, dq, tolerance, $"{c}: dq");
        AssertClose(dkRef, dk, tolerance, $"{c}: dk");
        AssertClose(dvRef, dv, tolerance, $"{c}: dv");
    }

    /// <summary>The hand-derived reference against the composite (the same mask, drawn by the composite's Dropout).</summary>
    [Fact]
    public void ReferenceEqualsComposite() => ForAll(Cases, c =>
    {
        var (q, k, v, dy, mask) = c.Inputs<double>();
        var (y, att) = AttentionReference.Forward(q, k, v, mask);
        var (dq, dk, dv) = AttentionReference.Backward(dy, q, k, v, att, mask);

        var leaves = new[] { q, k, v }.Select(x => new Var<double>(x, requiresGrad: true)).ToArray();
        var composite = Composite.CausalSelfAttention(leaves[0], leaves[1], leaves[2], c.P, new Rng(c.Seed + 1));
        composite.Backward(dy);
        AssertClose(composite.Value, y, 1e-10, $"{c}: y");
        AssertClose(leaves[0].Grad!, dq, 1e-10, $"{c}: dq");
        AssertClose(leaves[1].Grad!, dk, 1e-10, $"{c}: dk");
        AssertClose(leaves[2].Grad!, dv, 1e-10, $"{c}: dv");
    });

    /// <summary>p = 0 (evaluation) is the op without dropout, bit for bit, and draws nothing from the generator.</summary>
    [Fact]
    public void DropoutZeroChangesNothingAndDrawsNothing()
    {
        var (q, k, v, _, _) = new Case(2, 3, 9, 4, 0, 21).Inputs<float>();
        var rng = new Rng(5);
        var before = rng.GetState();
        var y = Var<float>.CausalSelfAttention(new(q), new(k), new(v), 0.0, rng).Value;
        Assert.Equal(Var<float>.CausalSelfAttention(new(q), new(k), new(v)).Value.ToArray(), y.ToArray());
        Assert.Equal(before, rng.GetState());
    }

    /// <summary>
    /// With v the identity (hs = T) the output is the dropped-out attention itself, w = att ⊙ m/(1 − p): every weight a
    /// query may see is either 0 or att/(1 − p), and over 8,448 such weights the fraction dropped is p within 5σ.
    /// </summary>
    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    public void DropoutDropsAFractionPOfTheWeightsAndScalesTheRest(double p)
    {
        const int B = 4, H = 4, nT = 32;
        var rng = new Rng(8);
        var q = Tensor<double>.Randn(rng, B, H, nT, nT);
        var k = Tensor<double>.Randn(rng, B, H, nT, nT);
        var identity = Tensor<double>.Eye(nT).Expand(B, H, nT, nT);
        var att = Var<double>.CausalSelfAttention(new(q), new(k), new(identity)).Value; // (B, H, T, T)
        var w = Var<double>.CausalSelfAttention(new(q), new(k), new(identity), p, new Rng(9)).Value;
        int seen = 0, dropped = 0;
        for (int b = 0; b < B; b++)
        {
            for (int h = 0; h < H; h++)
            {
                for (int t = 0; t < nT; t++)
                {
                    for (int s = 0; s < nT; s++)
                    {
                        double kept = att[b, h, t, s] / (1 - p), got = w[b, h, t, s];
                        Assert.True(s <= t ? got == 0 || Math.Abs(got - kept) < 1e-12 : got == 0, $"w[{b},{h},{t},{s}] = {got}, att/(1 − p) = {kept}");
                        seen += s <= t ? 1 : 0;
                        dropped += s <= t && got == 0 ? 1 : 0;
                    }
                }
            }
        }
        double rate = (double)dropped / seen, sigma = Math.Sqrt(p * (1 - p) / seen);
        Assert.True(Math.Abs(rate - p) < 5 * sigma, $"dropped {dropped} of {seen} weights ({rate:F4}), expected p = {p} ± {5 * sigma:F4}");
    }

    /// <summary>The mask comes from the generator: the same seed gives the same output, the next draw another.</summary>
    [Fact]
    public void TheMaskComesFromTheGenerator()
    {
        var (q, k, v, _, _) = new Case(1, 2, 12, 4, 0, 22).Inputs<double>();
        var rng = new Rng(3);
        var first = Var<double>.CausalSelfAttention(new(q), new(k), new(v), 0.4, rng).Value.ToArray();
        var second = Var<double>.CausalSelfAttention(new(q), new(k), new(v), 0.4, rng).Value.ToArray();
        var again = Var<double>.CausalSelfAttention(new(q), new(k), new(v), 0.4, new Rng(3)).Value.ToArray();
        Assert.Equal(first, again);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void BadDropoutIsAnErrorNamingIt()
    {
        var x = new Var<double>(Tensor<double>.Zeros(1, 1, 3, 2));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Var<double>.CausalSelfAttention(x, x, x, 1.0, new Rng(1)));
        Assert.Contains("causal_self_attention: dropout p must be in [0, 1), got p = 1", e.Message);
        var missing = Assert.Throws<ArgumentNullException>(() => Var<double>.CausalSelfAttention(x, x, x, 0.1));
        Assert.Contains("needs a generator", missing.Message);
    }
}
