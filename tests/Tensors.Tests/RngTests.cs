using FsCheck.Fluent;

namespace Scratch.Tensors.Tests;

public sealed class RngTests
{
    [Fact]
    public void GoldenXoshiroOutputsForSeedZero()
    {
        // SplitMix64(0) fills the state, then xoshiro256** runs; checked against an independent
        // Python implementation of both algorithms. A change to the generator breaks this test.
        var rng = new Rng(0);
        Assert.Equal(new RngState(0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F, 0xF88BB8A8724C81EC, null), rng.GetState());
        Assert.Equal(0x99EC5F36CB75F2B4UL, rng.NextUInt64());
        Assert.Equal(0xBF6E1F784956452AUL, rng.NextUInt64());
        Assert.Equal(0x1A5F849D4933E6E0UL, rng.NextUInt64());
        Assert.Equal(0x6AA594F1262D2D2CUL, rng.NextUInt64());
    }

    [Fact]
    public void GoldenRandnValuesForSeedZero()
    {
        var z = Tensor<double>.Randn(new Rng(0), 4);
        // Box–Muller on the first outputs, also from the independent Python implementation.
        Assert.Equal(-0.01896499060631051, z[0], 1e-14);
        Assert.Equal(-1.3559302271143727, z[1], 1e-14);
        Assert.Equal(-0.40372109705088766, z[2], 1e-14);
        Assert.Equal(0.23335097938940202, z[3], 1e-14);
        Assert.Equal(0.6012629994179048, new Rng(0).NextDouble());
    }

    [Fact]
    public void SameSeedSameTensorDifferentSeedsDiffer()
    {
        Properties.Check(Properties.ShapeAndSeed(1, 3), c =>
        {
            Assert.Equal(Tensor<float>.Randn(new Rng((ulong)c.Seed), c.Shape).ToArray(), Tensor<float>.Randn(new Rng((ulong)c.Seed), c.Shape).ToArray());
            Assert.Equal(Tensor<double>.Rand(new Rng((ulong)c.Seed), c.Shape).ToArray(), Tensor<double>.Rand(new Rng((ulong)c.Seed), c.Shape).ToArray());
            var a = Tensor<double>.Randn(new Rng((ulong)c.Seed), 8);
            var b = Tensor<double>.Randn(new Rng((ulong)c.Seed + 1), 8);
            Assert.NotEqual(a.ToArray(), b.ToArray());
        });
    }

    [Fact]
    public void SavedStateContinuesExactly()
    {
        var rng = new Rng(42);
        rng.NextNormal(); // leaves a spare normal pending, which the state must carry
        var state = rng.GetState();
        Assert.NotNull(state.SpareNormal);
        double[] expected = [rng.NextNormal(), rng.NextNormal(), rng.NextDouble(), rng.NextInt(1000)];
        var other = new Rng(7);
        other.SetState(state);
        Assert.Equal(expected, new double[] { other.NextNormal(), other.NextNormal(), other.NextDouble(), other.NextInt(1000) });
        rng.SetState(state);
        Assert.Equal(expected[0], rng.NextNormal());
    }

    [Fact]
    public void SamplesHaveTheRightRangeAndMoments()
    {
        var rng = new Rng(3);
        var u = Tensor<double>.Uniform(rng, -2, 3, 20000);
        Assert.True(u.Min().Item() >= -2 && u.Max().Item() < 3);
        Assert.Equal(0.5, u.Mean().Item(), 0.05);
        var z = Tensor<double>.Normal(rng, 1, 2, 20000);
        Assert.Equal(1, z.Mean().Item(), 0.05);
        Assert.Equal(4, z.Variance(0).Item(), 0.15);
        int[] counts = new int[5];
        for (int i = 0; i < 5000; i++)
        {
            counts[rng.NextInt(5)]++;
        }
        Assert.All(counts, n => Assert.InRange(n, 900, 1100));
    }

    [Fact]
    public void FillMaskDrawsWhatTheLoopOverNextDoubleDraws()
    {
        // Any seed, length and p, with p = 0, p = 1 and p exactly one of the drawn u (kept: the rule is u ≥ p).
        var cases = from seed in Properties.ValueSeed
                    from n in Gen.Choose(0, 300)
                    from kind in Gen.Choose(0, 3)
                    from p in Gen.Choose(0, 1000).Select(k => k / 1000.0)
                    from hit in Gen.Choose(0, 299)
                    select (Seed: (ulong)seed, N: n, Kind: kind, P: p, Hit: hit);
        Properties.Check(cases, c =>
        {
            double p = c.Kind switch { 0 => 0.0, 1 => 1.0, 2 => DrawnU(c.Seed, c.Hit % Math.Max(c.N, 1)), _ => c.P };
            var loop = new Rng(c.Seed);
            double[] expected = Enumerable.Range(0, c.N).Select(_ => loop.NextDouble() >= p ? 2.5 : 0.0).ToArray();
            var fast = new Rng(c.Seed);
            var mask = new double[c.N];
            fast.FillMask<double>(mask, p, 2.5);
            Assert.Equal(expected, mask);
            Assert.Equal(loop.GetState(), fast.GetState());
            var floats = new float[c.N];
            new Rng(c.Seed).FillMask<float>(floats.AsSpan(), p, 2.5f);
            Assert.Equal(expected.Select(m => (float)m), floats);
        });
    }

    [Fact]
    public void FillMaskOnAnArrayDrawsWhatOnePieceDraws()
    {
        // Lengths around the first one cut into pieces, pieces of unequal and equal size, 2 to 5 "cores" (4 pieces each).
        int[] lengths = [Rng.PiecesFrom - 1, Rng.PiecesFrom, Rng.PiecesFrom + 1, 3 * Rng.PiecesFrom + 7, 40 * 40 * 64];
        foreach (int n in lengths)
        {
            foreach (int cores in new[] { 1, 2, 3, 5 })
            {
                foreach (double p in new[] { 0.0, 0.2, 1.0 })
                {
                    var one = new Rng((ulong)(n + cores));
                    var expected = new float[n];
                    one.FillMask<float>(expected.AsSpan(), p, 1.25f);
                    var pieces = new Rng((ulong)(n + cores));
                    var mask = new float[n];
                    pieces.FillMask(mask, p, 1.25f, cores);
                    Assert.True(expected.AsSpan().SequenceEqual(mask), $"n = {n}, cores = {cores}, p = {p}: the masks differ");
                    Assert.Equal(one.GetState(), pieces.GetState());
                }
            }
        }
        var doubles = new double[2 * Rng.PiecesFrom + 3];
        var reference = new double[doubles.Length];
        new Rng(9).FillMask(doubles, 0.5, 2.0, 2);
        new Rng(9).FillMask<double>(reference.AsSpan(), 0.5, 2.0);
        Assert.Equal(reference, doubles);
    }

    [Fact]
    public void AdvanceLeavesTheStateThatManyDrawsLeave()
    {
        var cases = from seed in Properties.ValueSeed
                    from n in Gen.Frequency((1, Gen.Choose(0, 300)), (3, Gen.Choose(300, 5000)))
                    select (Seed: (ulong)seed, N: n);
        Properties.Check(cases, c =>
        {
            var drawn = new Rng(c.Seed);
            for (int i = 0; i < c.N; i++)
            {
                drawn.NextUInt64();
            }
            var jumped = new Rng(c.Seed);
            jumped.Advance(c.N);
            Assert.Equal(drawn.GetState(), jumped.GetState());
            Assert.Equal(drawn.NextUInt64(), jumped.NextUInt64());
        });
    }

    [Fact]
    public void TwoJumpsOfTwoToThe127AreTheAuthorsJumpOfTwoToThe128()
    {
        // xoshiro256**'s published jump(): the polynomial x^(2^128) mod P written out as four words (Blackman and Vigna,
        // prng.di.unimi.it). It comes from P alone, so it checks the characteristic polynomial found here.
        ulong[] published = [0x180ec6d33cfd0aba, 0xd5a61266f0c9392c, 0xa9582618e03fc9aa, 0x39abdc4529b1661c];
        ulong[] half = Rng.PowerOfX(UInt128.One << 127);
        var state = (1UL, 2UL, 3UL, 4UL);
        Assert.Equal(Rng.Jump(published, state), Rng.Jump(half, Rng.Jump(half, state)));
        Assert.NotEqual(state, Rng.Jump(half, state));
    }

    [Fact]
    public void AdvanceRefusesANegativeCount()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Rng(1).Advance(-1));
        Assert.Contains("Advance needs a number of draws ≥ 0, got -1", e.Message);
        var rng = new Rng(1);
        var before = rng.GetState();
        rng.Advance(0); // no draws: the same state
        Assert.Equal(before, rng.GetState());
        Assert.Throws<ArgumentNullException>(() => rng.FillMask((float[])null!, 0.5, 2f));
    }

    /// <summary>The <paramref name="index"/>-th NextDouble of a generator seeded with <paramref name="seed"/>.</summary>
    private static double DrawnU(ulong seed, int index)
    {
        var rng = new Rng(seed);
        for (int i = 0; i < index; i++)
        {
            rng.NextDouble();
        }
        return rng.NextDouble();
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void FillMaskRefusesAProbabilityOutsideZeroToOne(double p)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Rng(1).FillMask<float>(new float[3], p, 1f));
        Assert.Contains($"FillMask needs a probability p in [0, 1], got p = {p}", e.Message);
    }

    /// <summary>The multiplicative inverse of an odd number modulo 2⁶⁴ (Newton's iteration).</summary>
    private static ulong Inverse(ulong a)
    {
        ulong x = a;
        for (int i = 0; i < 6; i++)
        {
            x *= 2 - a * x;
        }
        return x;
    }

    [Fact]
    public void FloatUniformStaysBelowOneEvenForTheLargestDouble()
    {
        ulong s1 = S1ForDraw(ulong.MaxValue); // a state whose next output is all ones
        var rng = new Rng(0);
        rng.SetState(new RngState(1, s1, 2, 3, null));
        Assert.Equal(ulong.MaxValue, SetAndNext(new Rng(0), s1));
        // NextDouble is then 1 − 2⁻⁵³, which rounds to 1.0f in float.
        float u = Tensor<float>.Rand(rng, 1).Item();
        Assert.True(u < 1f, $"rand gave {u}, outside [0, 1)");
    }

    [Fact]
    public void NextIntRejectsExactlyTheDrawsThatWouldBiasIt()
    {
        // NextInt(n) maps a draw r to ⌊n·r / 2⁶⁴⌋ and rejects the draws whose low word n·r mod 2⁶⁴ is below 2⁶⁴ mod n.
        // For n = 2³¹ − 1 that threshold is 4 (2³¹ ≡ 1, so 2⁶⁴ = 4·(2³¹)² ≡ 4): r = 0 is rejected, and the draw whose
        // low word is exactly 4, r = 4·n⁻¹ mod 2⁶⁴, is kept. Another mapping would agree by chance once in n.
        const int n = int.MaxValue;
        ulong atThreshold = 4 * Inverse(n);
        Assert.Equal((UInt128)4, ((UInt128)atThreshold * n) & ulong.MaxValue);
        Assert.Equal((int)(((UInt128)atThreshold * n) >> 64), NextIntAfterDraw(atThreshold, n, out _));

        int afterRejection = NextIntAfterDraw(0, n, out ulong next);
        Assert.Equal((int)(((UInt128)next * n) >> 64), afterRejection); // the draw after r = 0 decides
    }

    [Fact]
    public void SetStateTakesAStateWithOneNonzeroWord()
    {
        for (int word = 0; word < 4; word++)
        {
            ulong[] s = [0, 0, 0, 0];
            s[word] = 1UL << (13 * word);
            var rng = new Rng(0);
            rng.SetState(new RngState(s[0], s[1], s[2], s[3], null));
            Assert.Equal(new RngState(s[0], s[1], s[2], s[3], null), rng.GetState());
        }
    }

    /// <summary>NextInt(n) on a generator whose next draw is <paramref name="draw"/>; <paramref name="next"/> is the draw after it.</summary>
    private static int NextIntAfterDraw(ulong draw, int n, out ulong next)
    {
        var state = new RngState(0x9E3779B97F4A7C15, S1ForDraw(draw), 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, null); // the draw after is large too
        var probe = new Rng(0);
        probe.SetState(state);
        Assert.Equal(draw, probe.NextUInt64());
        next = probe.NextUInt64();
        var rng = new Rng(0);
        rng.SetState(state);
        return rng.NextInt(n);
    }

    /// <summary>
    /// The second state word s1 for which the next draw is <paramref name="draw"/>, whatever the other three: the output
    /// is rotl(s1·5, 7)·9, so s1 = rotr(draw·9⁻¹, 7)·5⁻¹.
    /// </summary>
    private static ulong S1ForDraw(ulong draw) => ulong.RotateRight(draw * Inverse(9), 7) * Inverse(5);

    private static ulong SetAndNext(Rng rng, ulong s1)
    {
        rng.SetState(new RngState(1, s1, 2, 3, null));
        return rng.NextUInt64();
    }
}
