using System.Numerics;
using System.Runtime.CompilerServices;

namespace Scratch.Tensors;

/// <summary>
/// The one random number generator of Scratch: xoshiro256** (Blackman and Vigna), seeded through
/// SplitMix64, with Box–Muller for normal samples. Pure integer arithmetic, so the same seed gives the
/// same numbers on every machine, runtime and run. Its whole state can be read and restored, so a
/// training run can resume exactly, and it can jump ahead by any number of draws (<see cref="Advance"/>), so that a
/// long run of draws can be cut into pieces drawn on several cores and still be the same numbers.
/// </summary>
public sealed partial class Rng
{
    private ulong s0, s1, s2, s3;
    private double? spareNormal;

    /// <summary>A generator whose numbers are fixed by <paramref name="seed"/>.</summary>
    public Rng(ulong seed)
    {
        // SplitMix64 spreads one seed over the four words of state (never all zero).
        ulong x = seed;
        s0 = SplitMix64(ref x);
        s1 = SplitMix64(ref x);
        s2 = SplitMix64(ref x);
        s3 = SplitMix64(ref x);
    }

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits (xoshiro256**).</summary>
    public ulong NextUInt64() => Next(ref s0, ref s1, ref s2, ref s3);

    /// <summary>
    /// One step of xoshiro256** on the state (a, b, c, d): returns the output, rotl(b · 5, 7) · 9, and moves the state on.
    /// Inlined, so that a loop that keeps the state in locals (<see cref="FillPiece{T}"/>) keeps it in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Next(ref ulong a, ref ulong b, ref ulong c, ref ulong d)
    {
        ulong result = ulong.RotateLeft(b * 5, 7) * 9;
        ulong t = b << 17;
        c ^= a;
        d ^= b;
        b ^= c;
        a ^= d;
        c ^= t;
        d = ulong.RotateLeft(d, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1): the top 53 bits scaled by 2⁻⁵³.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>
    /// Fills <paramref name="destination"/> in order with zero where a uniform u = <see cref="NextDouble"/> is below
    /// <paramref name="p"/> and with <paramref name="kept"/> where u ≥ p, one u per element: a dropout mask. The same
    /// numbers as that loop over NextDouble, leaving the same state, only faster: the four words stay in registers, and
    /// u = k · 2⁻⁵³ ≥ p is decided on the integer k without a branch: k ≥ ⌈p · 2⁵³⌉ exactly when ⌈p · 2⁵³⌉ − 1 − k
    /// wraps below zero, which sets its top bit (a mispredicted branch per dropped element cost more than the draw).
    /// </summary>
    public void FillMask<T>(Span<T> destination, double p, T kept) where T : INumberBase<T> =>
        (s0, s1, s2, s3) = FillPiece(destination, (s0, s1, s2, s3), MaskThreshold(p), kept);

    /// <summary>
    /// <see cref="FillMask{T}(Span{T}, double, T)"/> on a whole array: the same mask, leaving the same state, drawn on
    /// all cores. The array is cut into <see cref="PiecesPerCore"/> pieces per core; each piece starts from the state
    /// that the draws before it leave, reached by a jump (<see cref="Advance"/>), so the pieces can be drawn at the same
    /// time. Arrays shorter than <see cref="PiecesFrom"/> numbers, and any on one core, are drawn in one piece.
    /// </summary>
    public void FillMask<T>(T[] destination, double p, T kept) where T : INumberBase<T> =>
        FillMask(destination, p, kept, Environment.ProcessorCount);

    /// <summary>The fewest numbers of an array mask that is drawn in pieces (finding the pieces' starts costs about 0.1 ms).</summary>
    internal const int PiecesFrom = 1 << 16;

    /// <summary>Pieces per core, so that a core held up by something else leaves the others less to wait for.</summary>
    internal const int PiecesPerCore = 4;

    /// <summary><see cref="FillMask{T}(T[], double, T)"/> as if the machine had <paramref name="cores"/> cores.</summary>
    internal void FillMask<T>(T[] destination, double p, T kept, int cores) where T : INumberBase<T>
    {
        ArgumentNullException.ThrowIfNull(destination);
        ulong threshold = MaskThreshold(p);
        // Stryker disable once Equality,Logical : one piece or several draw the same numbers (RngTests); pieces only share the work
        if (destination.Length < PiecesFrom || cores == 1)
        {
            (s0, s1, s2, s3) = FillPiece(destination.AsSpan(), (s0, s1, s2, s3), threshold, kept);
            return;
        }
        // Stryker disable once Arithmetic : a piece one number longer still covers the mask, the last piece shorter; pieces only share the work
        int pieces = PiecesPerCore * cores, size = (destination.Length + pieces - 1) / pieces; // all but the last piece hold size numbers
        var starts = new (ulong, ulong, ulong, ulong)[pieces + 1];
        starts[0] = (s0, s1, s2, s3);
        ulong[] bySize = PowerOfX((UInt128)size); // xˢⁱᶻᵉ mod P: the jump over one piece
        // Stryker disable once Equality : one more jump writes starts[pieces], which the last piece's end state overwrites
        for (int k = 1; k < pieces; k++)
        {
            starts[k] = Jump(bySize, starts[k - 1]);
        }
        Kernels.Workers.For(pieces, k =>
        {
            int start = Math.Min(k * size, destination.Length);
            var end = FillPiece(destination.AsSpan(start, Math.Min(size, destination.Length - start)), starts[k], threshold, kept);
            if (k == pieces - 1)
            {
                starts[pieces] = end; // after the last piece: after all destination.Length draws
            }
        });
        (s0, s1, s2, s3) = starts[pieces];
    }

    /// <summary>⌈p · 2⁵³⌉: u = k · 2⁻⁵³ ≥ p exactly when the integer k ≥ it, for p in [0, 1].</summary>
    private static ulong MaskThreshold(double p)
    {
        if (!(p >= 0 && p <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), $"rng: FillMask needs a probability p in [0, 1], got p = {p}");
        }
        return (ulong)Math.Ceiling(p * (1UL << 53));
    }

    /// <summary>The mask's numbers for one piece, drawn from state s; returns the state after them.</summary>
    private static (ulong, ulong, ulong, ulong) FillPiece<T>(Span<T> destination, (ulong, ulong, ulong, ulong) s, ulong threshold, T kept)
        where T : INumberBase<T>
    {
        Span<T> choice = [T.Zero, kept];
        var (a, b, c, d) = s; // NextUInt64 on locals
        for (int i = 0; i < destination.Length; i++)
        {
            // Stryker disable once Bitwise : on a ulong, >> shifts in zeros as >>> does
            ulong k = Next(ref a, ref b, ref c, ref d) >> 11; // u = k · 2⁻⁵³
            // Stryker disable once Bitwise : the same
            destination[i] = choice[(int)((threshold - 1 - k) >> 63)]; // choice[1] = kept when k ≥ threshold
        }
        return (a, b, c, d);
    }

    /// <summary>A uniform integer in [0, <paramref name="n"/>), without modulo bias (Lemire's method).</summary>
    public int NextInt(int n)
    {
        if (n <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(n), $"rng: NextInt needs a positive bound, got {n}");
        }
        ulong bound = (ulong)n;
        ulong threshold = (0UL - bound) % bound;
        while (true)
        {
            ulong r = NextUInt64();
            UInt128 m = (UInt128)r * bound;
            if ((ulong)m >= threshold)
            {
                return (int)(m >> 64);
            }
        }
    }

    /// <summary>
    /// A standard normal sample by Box–Muller: with u₁, u₂ uniform in (0, 1],
    /// z₀ = √(−2 ln u₁) · cos(2π u₂) and z₁ = √(−2 ln u₁) · sin(2π u₂) are independent N(0, 1);
    /// the second is kept for the next call.
    /// </summary>
    public double NextNormal()
    {
        if (spareNormal is double spare)
        {
            spareNormal = null;
            return spare;
        }
        double u1 = 1.0 - NextDouble(); // in (0, 1], so the log is finite
        double u2 = NextDouble();
        double radius = Math.Sqrt(-2.0 * Math.Log(u1));
        double angle = 2.0 * Math.PI * u2;
        spareNormal = radius * Math.Sin(angle);
        return radius * Math.Cos(angle);
    }

    /// <summary>The whole state (four words, and the pending normal if any), for saving a training run.</summary>
    public RngState GetState() => new(s0, s1, s2, s3, spareNormal);

    /// <summary>Restores a state from <see cref="GetState"/>: the numbers continue exactly where they left off.</summary>
    public void SetState(RngState state)
    {
        if ((state.S0 | state.S1 | state.S2 | state.S3) == 0)
        {
            throw new ArgumentException("rng: the all-zero state is not a valid xoshiro256** state");
        }
        (s0, s1, s2, s3, spareNormal) = (state.S0, state.S1, state.S2, state.S3, state.SpareNormal);
    }
}
