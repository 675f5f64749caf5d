using System.Numerics;
using System.Runtime.CompilerServices;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;

namespace Scratch.Tensors.Tests;

/// <summary>
/// Runs FsCheck properties reproducibly. Each run takes its seed from the environment variable
/// SCRATCH_SEED when it is set, else a fresh random one, and a failure names the seed, so
/// <c>SCRATCH_SEED=1234 dotnet test</c> replays exactly the failing cases.
/// </summary>
internal static class Properties
{
    /// <summary>Checks <paramref name="property"/> (which throws on failure) for <paramref name="count"/> generated cases.</summary>
    public static void Check<TCase>(Gen<TCase> cases, Action<TCase> property, int count = 60, [CallerMemberName] string test = "")
    {
        ulong seed = Seed();
        var replay = new Replay(new Rnd(seed), FSharpOption<int>.None);
        var config = Config.QuickThrowOnFailure.WithMaxTest(count).WithReplay(FSharpOption<Replay>.Some(replay));
        try
        {
            Prop.ForAll(cases.ToArbitrary(), property).Check(config);
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"{test} failed; replay with SCRATCH_SEED={seed}\n{e.Message}");
        }
    }

    private static ulong Seed()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("SCRATCH_SEED");
        return fromEnvironment is { Length: > 0 } ? ulong.Parse(fromEnvironment) : (ulong)Random.Shared.NextInt64();
    }

    /// <summary>A dimension size: often 1 (to exercise broadcasting and squeezing), else 2 to 5.</summary>
    public static Gen<int> Size { get; } = Gen.Frequency((3, Gen.Constant(1)), (7, Gen.Choose(2, 5)));

    /// <summary>A dimension size that may also be 0 (an empty tensor).</summary>
    public static Gen<int> SizeOrEmpty { get; } = Gen.Frequency((1, Gen.Constant(0)), (12, Size));

    /// <summary>A shape of rank <paramref name="minRank"/> to <paramref name="maxRank"/>.</summary>
    public static Gen<int[]> Shape(int minRank = 0, int maxRank = 4, bool allowEmpty = false) =>
        Gen.Choose(minRank, maxRank).SelectMany(rank => (allowEmpty ? SizeOrEmpty : Size).ArrayOf(rank));

    /// <summary>A seed for the values (and layout) of a tensor; the FsCheck seed fixes it.</summary>
    public static Gen<int> ValueSeed { get; } = Gen.Choose(0, int.MaxValue);

    /// <summary>A shape and a seed for its values.</summary>
    public static Gen<(int[] Shape, int Seed)> ShapeAndSeed(int minRank = 0, int maxRank = 4, bool allowEmpty = false) =>
        Shape(minRank, maxRank, allowEmpty).Zip(ValueSeed);

    /// <summary>
    /// Two shapes that broadcast together: a common shape, from which each side drops some leading
    /// dimensions and sets some others to 1.
    /// </summary>
    public static Gen<(int[] A, int[] B, int Seed)> BroadcastPair(bool allowEmpty = false) =>
        from full in Shape(0, 4, allowEmpty)
        from a in Side(full)
        from b in Side(full)
        from seed in ValueSeed
        select (a, b, seed);

    private static Gen<int[]> Side(int[] full) =>
        from drop in Gen.Choose(0, full.Length)
        from ones in Gen.Elements(true, false, false).ArrayOf(full.Length)
        select full.Skip(drop).Select((s, i) => ones[i + drop] ? 1 : s).ToArray();
}

/// <summary>Random tensors in random memory layouts.</summary>
internal static class Make
{
    /// <summary>Contiguous standard-normal values of the given shape.</summary>
    public static Tensor<T> Randn<T>(int[] shape, int seed) where T : unmanaged, IFloatingPointIeee754<T> =>
        Tensor<T>.Randn(new Rng((ulong)seed), shape);

    /// <summary>
    /// A tensor of the given shape whose layout is chosen by <paramref name="seed"/>: contiguous, or a
    /// view that is sliced with step 2, permuted, and/or expanded from size-1 dimensions, so that fast
    /// kernels meet every kind of stride.
    /// </summary>
    public static Tensor<T> AnyLayout<T>(int[] shape, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Rng((ulong)seed + 17);
        int rank = shape.Length;
        bool slice = rng.NextInt(2) == 0, permute = rng.NextInt(2) == 0, expand = rng.NextInt(3) == 0;
        bool[] expanded = Enumerable.Range(0, rank).Select(_ => expand && rng.NextInt(2) == 0).ToArray();
        int[] target = shape.Select((s, d) => expanded[d] ? 1 : s).ToArray();
        // A permutation p: the base tensor has shape target[p[i]], and permuting by p⁻¹ gives back target.
        int[] p = Enumerable.Range(0, rank).ToArray();
        if (permute)
        {
            for (int i = rank - 1; i > 0; i--)
            {
                int j = rng.NextInt(i + 1);
                (p[i], p[j]) = (p[j], p[i]);
            }
        }
        int[] inverse = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            inverse[p[i]] = i;
        }
        int[] baseShape = p.Select(d => target[d]).ToArray();
        var x = slice
            ? Tensor<T>.Randn(rng, baseShape.Select(s => 2 * s + 1).ToArray())
            : Tensor<T>.Randn(rng, baseShape);
        if (slice)
        {
            for (int d = 0; d < rank; d++)
            {
                x = x.Slice(d, 1, 2 * baseShape[d] + 1, 2);
            }
        }
        x = x.Permute(inverse);
        return x.Expand(shape);
    }

    /// <summary>Asserts same shape and every element within rtol·|expected| + atol, naming the first difference.</summary>
    public static void AssertClose<T>(Tensor<T> expected, Tensor<T> actual, double rtol = 1e-5, double atol = 1e-6)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(Shapes.Format(expected.Shape), Shapes.Format(actual.Shape));
        T[] e = expected.ToArray(), a = actual.ToArray();
        for (int i = 0; i < e.Length; i++)
        {
            double x = double.CreateChecked(e[i]), y = double.CreateChecked(a[i]);
            bool same = x.Equals(y) || Math.Abs(x - y) <= atol + rtol * Math.Abs(x);
            Assert.True(same, $"element {i} of shape {Shapes.Format(expected.Shape)}: expected {x}, got {y}");
        }
    }

    /// <summary>Asserts that two tensors have the same shape and bit-identical elements, read through the indexer.</summary>
    public static void AssertSameElements<T>(Tensor<T> expected, Tensor<T> actual) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(Shapes.Format(expected.Shape), Shapes.Format(actual.Shape));
        foreach (int[] index in Kernels.Reference.Indices(expected.ShapeArray()))
        {
            Assert.Equal(expected[index], actual[index]);
        }
    }
}
