namespace Scratch.Tensors;

// Jumping ahead: n draws of xoshiro256** in about log₂ n products of polynomials, so that a long run of draws can be
// cut into pieces that are drawn side by side (<c>FillMask</c> on an array) and still be the same numbers.
public sealed partial class Rng
{
    /// <summary>
    /// Moves the generator on by <paramref name="n"/> draws, to the state that n calls of <see cref="NextUInt64"/>
    /// would leave, in time that grows with log n (a pending normal sample stays pending).
    /// <para>
    /// One draw changes the state s (256 bits) by a fixed linear map M over GF(2): its shifts, rotations and XORs each
    /// send a sum of states to the sum of their images. So n draws give Mⁿ·s. M's characteristic polynomial P has
    /// degree 256 and P(M) = 0 (Cayley–Hamilton); writing xⁿ = q(x)·P(x) + r(x) with deg r &lt; 256 gives Mⁿ = r(M), and
    /// Mⁿ·s = Σᵢ rᵢ·Mⁱ·s: 256 more draws, XORing together the states of those i with rᵢ = 1 (<see cref="Jump"/>).
    /// r = xⁿ mod P comes from repeated squaring (<see cref="PowerOfX"/>); P from the generator's own bits
    /// (<see cref="FindCharacteristic"/>). The authors' jump() is the case n = 2¹²⁸, with r written out as constants.
    /// </para>
    /// </summary>
    /// <param name="n">How many draws to skip, ≥ 0.</param>
    public void Advance(long n)
    {
        if (n < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(n), $"rng: Advance needs a number of draws ≥ 0, got {n}");
        }
        (s0, s1, s2, s3) = Jump(PowerOfX((UInt128)n), (s0, s1, s2, s3));
    }

    /// <summary>
    /// P(x) below its leading term x²⁵⁶, as 256 bits: bit i (bit i mod 64 of word i / 64) is the coefficient of xⁱ.
    /// Polynomials of degree &lt; 256 below are held the same way.
    /// </summary>
    private static readonly ulong[] CharacteristicLow = FindCharacteristic();

    /// <summary>
    /// P from the generator itself, by Berlekamp–Massey: the shortest recurrence zₜ = c₁·zₜ₋₁ ⊕ … ⊕ c_L·zₜ₋L obeyed by
    /// 512 bits zₜ, the lowest bit of the first word after t draws (2L bits fix a recurrence of length L). P(M) = 0 makes
    /// every such sequence obey z_{t+256} = ⊕ₖ pₖ·z_{t+k} (k &lt; 256), a recurrence of length 256 with cₖ = p₂₅₆₋ₖ;
    /// xoshiro256's period 2²⁵⁶ − 1 makes P primitive, so no shorter one holds for a sequence that is not all zeros, and
    /// the shortest that Berlekamp–Massey finds is this one.
    /// </summary>
    private static ulong[] FindCharacteristic()
    {
        var z = new bool[512];
        ulong a = 1, b = 2, c = 3, d = 4; // any state but zero
        for (int t = 0; t < z.Length; t++)
        {
            z[t] = (a & 1) != 0;
            Next(ref a, ref b, ref c, ref d);
        }
        bool[] recurrence = BerlekampMassey(z, out int length);
        // Stryker disable once all : cannot happen for xoshiro256 (the two tests of Advance check P); a guard against a changed Next
        if (length != 256)
        {
            throw new InvalidOperationException($"rng: the state's bits obey a recurrence of length {length}, not 256");
        }
        var low = new ulong[4];
        for (int k = 1; k <= 256; k++)
        {
            if (recurrence[k])
            {
                low[(256 - k) >> 6] |= 1UL << ((256 - k) & 63); // p₂₅₆₋ₖ = cₖ
            }
        }
        return low;
    }

    /// <summary>
    /// Berlekamp–Massey over GF(2): the connection polynomial C(x) = 1 + c₁·x + … + c_L·x^L (coefficients as bools,
    /// index = power) of the shortest recurrence zₜ = ⊕ₖ cₖ·zₜ₋ₖ that every bit of <paramref name="z"/> obeys.
    /// </summary>
    private static bool[] BerlekampMassey(bool[] z, out int length)
    {
        var current = new bool[z.Length + 1];  // C(x)
        var previous = new bool[z.Length + 1]; // C(x) before the last change of length
        current[0] = previous[0] = true;
        length = 0;
        int shift = 1; // steps since that change
        for (int t = 0; t < z.Length; t++)
        {
            bool discrepancy = z[t]; // zₜ ⊕ the recurrence's prediction of it
            for (int k = 1; k <= length; k++)
            {
                discrepancy ^= current[k] & z[t - k];
            }
            if (!discrepancy)
            {
                shift++;
                continue;
            }
            var before = (bool[])current.Clone();
            for (int k = 0; k + shift < current.Length; k++)
            {
                current[k + shift] ^= previous[k]; // C(x) ⊕= x^shift · previous(x): now predicts zₜ too
            }
            if (2 * length <= t)
            {
                (length, previous, shift) = (t + 1 - length, before, 1);
            }
            else
            {
                shift++;
            }
        }
        return current;
    }

    /// <summary>xⁿ mod P: from n's highest bit down, square, and multiply by x where the bit is 1.</summary>
    internal static ulong[] PowerOfX(UInt128 n)
    {
        var r = new ulong[] { 1, 0, 0, 0 };
        for (int bit = 127 - (int)UInt128.LeadingZeroCount(n); bit >= 0; bit--)
        {
            r = TimesMod(r, r);
            // Stryker disable once Bitwise : on an unsigned number, >> shifts in zeros as >>> does
            if (((n >> bit) & 1) != 0)
            {
                TimesX(r);
            }
        }
        return r;
    }

    /// <summary>a·b mod P by Horner's rule: over b's bits from the top, r ← r·x ⊕ (bᵢ ? a : 0).</summary>
    private static ulong[] TimesMod(ulong[] a, ulong[] b)
    {
        var r = new ulong[4];
        for (int i = 255; i >= 0; i--)
        {
            TimesX(r);
            // Stryker disable once Bitwise : i ≥ 0 and b's words are unsigned, so >> shifts in zeros as >>> does
            if (((b[i >> 6] >> (i & 63)) & 1) != 0)
            {
                for (int w = 0; w < 4; w++)
                {
                    r[w] ^= a[w];
                }
            }
        }
        return r;
    }

    /// <summary>r ← r·x mod P: shift one place up; a term x²⁵⁶ that falls out becomes the rest of P (x²⁵⁶ ≡ P − x²⁵⁶, and − is ⊕).</summary>
    private static void TimesX(ulong[] r)
    {
        // Stryker disable Bitwise : on unsigned words, >> shifts in zeros as >>> does
        bool overflow = (r[3] >> 63) != 0;
        r[3] = (r[3] << 1) | (r[2] >> 63);
        r[2] = (r[2] << 1) | (r[1] >> 63);
        r[1] = (r[1] << 1) | (r[0] >> 63);
        // Stryker restore Bitwise
        r[0] <<= 1;
        if (overflow)
        {
            for (int w = 0; w < 4; w++)
            {
                r[w] ^= CharacteristicLow[w];
            }
        }
    }

    /// <summary>r(M)·s = Σᵢ rᵢ·Mⁱ·s: the state s drawn from 256 times, XORing together the states i where rᵢ = 1.</summary>
    internal static (ulong, ulong, ulong, ulong) Jump(ulong[] r, (ulong, ulong, ulong, ulong) s)
    {
        var (a, b, c, d) = s;
        ulong ja = 0, jb = 0, jc = 0, jd = 0;
        for (int i = 0; i < 256; i++)
        {
            // Stryker disable once Bitwise : i ≥ 0 and r's words are unsigned, so >> shifts in zeros as >>> does
            if (((r[i >> 6] >> (i & 63)) & 1) != 0)
            {
                (ja, jb, jc, jd) = (ja ^ a, jb ^ b, jc ^ c, jd ^ d);
            }
            Next(ref a, ref b, ref c, ref d);
        }
        return (ja, jb, jc, jd);
    }
}
