using FsCheck;
using FsCheck.Fluent;
using Scratch.Tensors;
using static Scratch.Autograd.Tests.FusedOpSupport;

namespace Scratch.Autograd.Tests;

public sealed class CausalSelfAttentionTests
{
    /// <summary>How q, k or v is stored: as (B, H, T, hs), as nanoGPT's (B, T, H, hs) transposed, or as (B, H, hs, T) transposed.</summary>
    public enum Layout { Contiguous, HeadsSplitFromChannels, KeysMajor }

    /// <summary>One random attention problem, q, k, v (B, H, T, hs), each stored in its own layout.</summary>
    public sealed record Case(int B, int H, int T, int Hs, Layout[] Layouts, ulong Seed)
    {
        public int[] Shape => [B, H, T, Hs];

        public Tensor<double>[] Inputs()
        {
            var rng = new Rng(Seed);
            return Layouts.Select(layout => Tensor<double>.Randn(rng, Stored(layout))).ToArray();
        }

        private int[] Stored(Layout layout) => layout switch
        {
            Layout.HeadsSplitFromChannels => [B, T, H, Hs],
            Layout.KeysMajor => [B, H, Hs, T],
            _ => Shape,
        };

        /// <summary>The (B, H, T, hs) view of a stored leaf.</summary>
        public Var<double> View(Var<double> stored, int i) => Layouts[i] switch
        {
            Layout.HeadsSplitFromChannels => TransposedView(stored, 1, 2),
            Layout.KeysMajor => TransposedView(stored, 2, 3),
            _ => stored,
        };

        public Var<double> Apply(Var<double>[] x) => Var<double>.CausalSelfAttention(View(x[0], 0), View(x[1], 1), View(x[2], 2));

        public override string ToString() => $"Case {{ (B, H, T, hs) = {Shapes.Format(Shape)}, layouts {string.Join("/", Layouts)}, seed {Seed} }}";
    }

    private static readonly Gen<Case> Cases =
        from b in Gen.Choose(1, 2)
        from h in Gen.Choose(1, 2)
        from t in Gen.Choose(1, 5)
        from hs in Gen.Choose(1, 4)
        from layouts in Gen.ArrayOf(Gen.Elements(Layout.Contiguous, Layout.HeadsSplitFromChannels, Layout.KeysMajor), 3)
        from seed in Seeds
        select new Case(b, h, t, hs, layouts, seed);

    [Fact]
    public void Gradient_CausalSelfAttention() => ForAll(Cases, c => AssertGradCheck(c.Apply, c.Inputs(), c));

    /// <summary>One tensor used as q, k and v at once receives the sum of the three gradients (+=).</summary>
    [Fact]
    public void OneInputAsQueryKeyAndValueAccumulatesAllThreeGradients() => ForAll(Cases, c =>
        AssertGradCheck(x => { var qkv = c.View(x[0], 0); return Var<double>.CausalSelfAttention(qkv, qkv, qkv); }, [c.Inputs()[0]], c), count: 30);

    /// <summary>The op's gradient with attention dropout: each call of f draws the same mask from a fresh generator.</summary>
    [Fact]
    public void Gradient_CausalSelfAttentionWithDropout() => ForAll(Cases, c =>
        AssertGradCheck(x => Var<double>.CausalSelfAttention(c.View(x[0], 0), c.View(x[1], 1), c.View(x[2], 2), 0.3, new Rng(c.Seed + 11)), c.Inputs(), c), count: 50);

    /// <summary>
    /// The op (its fast kernel) against <see cref="Composites.Composite.CausalSelfAttention"/>, nanoGPT's attention
    /// made of primitive ops, whose gradient the engine derives: values and the three gradients, without dropout
    /// and with p = 0.3 (both drawing their masks from generators of one seed).
    /// </summary>
    [Fact]
    public void CausalSelfAttention_EqualsComposite() => ForAll(Cases, c =>
    {
        foreach (double p in new[] { 0.0, 0.3 })
        {
            var dy = Tensor<double>.Randn(new Rng(c.Seed + 5), c.Shape);
            (Tensor<double> Y, Tensor<double>[] Grads) Run(Func<Var<double>, Var<double>, Var<double>, Var<double>> op)
            {
                var leaves = c.Inputs().Select(t => new Var<double>(t, requiresGrad: true)).ToArray();
                var y = op(c.View(leaves[0], 0), c.View(leaves[1], 1), c.View(leaves[2], 2));
                y.Backward(dy);
                return (y.Value, leaves.Select(l => l.Grad!).ToArray());
            }
            var (y, grads) = Run((q, k, v) => Var<double>.CausalSelfAttention(q, k, v, p, new Rng(c.Seed + 3)));
            var (expected, expectedGrads) = Run((q, k, v) => Composites.Composite.CausalSelfAttention(q, k, v, p, new Rng(c.Seed + 3)));
            AssertClose(expected, y, 1e-10, $"{c}, p = {p}: y");
            for (int i = 0; i < 3; i++)
            {
                AssertClose(expectedGrads[i], grads[i], 1e-10, $"{c}, p = {p}: gradient of {"qkv"[i]}");
            }
        }
    });

    /// <summary>The output at position t depends only on positions ≤ t: changing q, k, v after t changes nothing before.</summary>
    [Fact]
    public void OutputAtPositionTIgnoresLaterPositions() => ForAll(Cases, c =>
    {
        var rng = new Rng(c.Seed + 9);
        int t = rng.NextInt(c.T);
        var inputs = Enumerable.Range(0, 3).Select(_ => Tensor<double>.Randn(rng, c.Shape)).ToArray();
        var changed = inputs.Select(x => x.Clone()).ToArray();
        foreach (var x in changed)
        {
            for (int b = 0; b < c.B; b++)
            {
                for (int h = 0; h < c.H; h++)
                {
                    for (int s = t + 1; s < c.T; s++)
                    {
                        for (int i = 0; i < c.Hs; i++)
                        {
                            x[b, h, s, i] = 100 * rng.NextNormal(); // a later position, changed
                        }
                    }
                }
            }
        }
        var y = Var<double>.CausalSelfAttention(new(inputs[0]), new(inputs[1]), new(inputs[2])).Value;
        var y2 = Var<double>.CausalSelfAttention(new(changed[0]), new(changed[1]), new(changed[2])).Value;
        Assert.Equal(y.Narrow(2, 0, t + 1).ToArray(), y2.Narrow(2, 0, t + 1).ToArray());
    });

    /// <summary>
    /// With hs = T and v = I (each head's values are the identity matrix) y is att itself: every row is a
    /// probability distribution over the positions up to t, and exactly 0 after.
    /// </summary>
    [Fact]
    public void AttentionRowsSumToOneOverPastPositions() => ForAll(Cases, c =>
    {
        var rng = new Rng(c.Seed);
        var q = Tensor<double>.Randn(rng, c.B, c.H, c.T, c.T) * 3.0;
        var k = Tensor<double>.Randn(rng, c.B, c.H, c.T, c.T);
        var v = Tensor<double>.Eye(c.T).Expand(c.B, c.H, c.T, c.T);
        var att = Var<double>.CausalSelfAttention(new(q), new(k), new(v)).Value; // (B, H, T, T)
        var rowSums = att.Sum(-1).ToArray();
        Assert.All(rowSums, s => Assert.True(Math.Abs(s - 1) < 1e-12, $"{c}: a row sums to {s}"));
        for (int b = 0; b < c.B; b++)
        {
            for (int h = 0; h < c.H; h++)
            {
                for (int t = 0; t < c.T; t++)
                {
                    for (int s = 0; s < c.T; s++)
                    {
                        Assert.True(s <= t ? att[b, h, t, s] > 0 : att[b, h, t, s] == 0, $"{c}: att[{b},{h},{t},{s}] = {att[b, h, t, s]}");
                    }
                }
            }
        }
    });

    /// <summary>
    /// A masked score of 10⁶ would beat a finite mask of −10⁴ added to it; with −∞ the first position
    /// still sees only itself, so y[0] = v[0] exactly, and no gradient reaches the masked key.
    /// </summary>
    [Fact]
    public void MaskIsMinusInfinityNotAFiniteNumber()
    {
        var q = new Var<double>(Tensor<double>.FromArray([1000.0, 1000.0], 1, 1, 2, 1), requiresGrad: true);
        var k = new Var<double>(Tensor<double>.FromArray([-1000.0, 1000.0], 1, 1, 2, 1), requiresGrad: true);
        var v = new Var<double>(Tensor<double>.FromArray([3.0, 7.0], 1, 1, 2, 1), requiresGrad: true);
        var y = Var<double>.CausalSelfAttention(q, k, v);
        Assert.Equal(3.0, y.Value[0, 0, 0, 0]);
        y.Backward(Tensor<double>.FromArray([1.0, 0.0], 1, 1, 2, 1)); // only y[0] matters
        Assert.Equal(0.0, k.Grad![0, 0, 1, 0]);
        Assert.Equal(0.0, v.Grad![0, 0, 1, 0]);
        Assert.Equal(1.0, v.Grad![0, 0, 0, 0]);
    }

    /// <summary>
    /// As the GPT uses it: q, k, v split from one (B, T, 3C) tensor, y joined back into (B, T, C). The op writes y and
    /// the gradients of q, k and v in the (B, T, H, hs) order, so joining y and taking the gradients back to (B, T, C)
    /// are views of what the op made, not copies (the step allocates 6 MB less at the baby size).
    /// </summary>
    [Fact]
    public void TheHeadsJoinBackIntoChannelsWithoutACopy()
    {
        int B = 2, T = 5, H = 3, hs = 4, C = H * hs;
        var qkv = new Var<double>(Tensor<double>.Randn(new Rng(8), B, T, 3 * C), requiresGrad: true);
        Var<double> Head(int part) => qkv.Slice(2, part * C, (part + 1) * C).Reshape(B, T, H, hs).Transpose(1, 2); // (B, H, T, hs)
        var (q, k, v) = (Head(0), Head(1), Head(2));
        var y = Var<double>.CausalSelfAttention(q, k, v);
        var joined = y.Transpose(1, 2).Reshape(B, T, C); // (B, T, C)
        Assert.Same(y.Value.Storage, joined.Value.Storage);
        joined.Backward(Tensor<double>.Randn(new Rng(9), B, T, C));
        foreach (var head in new[] { q, k, v })
        {
            Assert.True(head.Grad!.Transpose(1, 2).IsContiguous, $"{head}: its gradient is not in the (B, T, H, hs) order");
        }
    }

    [Fact]
    public void MismatchedShapesAreAnErrorNamingAllThree()
    {
        var a = new Var<double>(Tensor<double>.Zeros(2, 4, 8, 16));
        var b = new Var<double>(Tensor<double>.Zeros(2, 4, 8, 8));
        var e = Assert.Throws<ArgumentException>(() => Var<double>.CausalSelfAttention(a, a, b));
        Assert.Contains("causal_self_attention", e.Message);
        Assert.Contains("q [2,4,8,16]", e.Message);
        Assert.Contains("k [2,4,8,16]", e.Message);
        Assert.Contains("v [2,4,8,8]", e.Message);

        var flat = new Var<double>(Tensor<double>.Zeros(4, 8, 16));
        e = Assert.Throws<ArgumentException>(() => Var<double>.CausalSelfAttention(flat, flat, flat));
        Assert.Contains("(B, H, T, hs)", e.Message);
        Assert.Contains("[4,8,16]", e.Message);

        var empty = new Var<double>(Tensor<double>.Zeros(1, 1, 3, 0));
        e = Assert.Throws<ArgumentException>(() => Var<double>.CausalSelfAttention(empty, empty, empty));
        Assert.Contains("head size", e.Message);
        Assert.Contains("[1,1,3,0]", e.Message);
    }
}
