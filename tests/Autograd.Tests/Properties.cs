using FsCheck;
using FsCheck.Fluent;
using Scratch.Tensors;

namespace Scratch.Autograd.Tests;

/// <summary>How an input reaches the op under test: as it is, or through a non-contiguous view.</summary>
public enum Layout
{
    /// <summary>The leaf itself (row-major).</summary>
    Contiguous,

    /// <summary>A leaf with the last two dimensions swapped, transposed back: strides out of order.</summary>
    Transposed,

    /// <summary>A leaf twice as long in the last dimension, sliced [1::2]: stride 2, half the elements unused.</summary>
    Strided,

    /// <summary>A leaf with size 1 in the first dimension, expanded: stride 0, one element used many times.</summary>
    Expanded,
}

/// <summary>Where the values of an input are drawn, to keep away from kinks and invalid domains.</summary>
public enum Domain
{
    /// <summary>Uniform in [−2, 2].</summary>
    Any,

    /// <summary>Uniform in [0.5, 2]: safe for log, sqrt and non-integer powers.</summary>
    Positive,

    /// <summary>±[0.1, 2]: never near 0, the kink of relu and abs.</summary>
    AwayFromZero,

    /// <summary>A shuffle of values 0.25 apart: no two near each other, so max has no near-ties.</summary>
    Distinct,
}

/// <summary>One input of a property: its logical shape (as the op sees it), layout and domain.</summary>
public sealed record Input(int[] Shape, Layout Layout = Layout.Contiguous, Domain Domain = Domain.Any)
{
    /// <summary>"[2,3] transposed": how the input prints in a failure message.</summary>
    public override string ToString() => $"{Shapes.Format(Shape)} {Layout.ToString().ToLowerInvariant()} {Domain.ToString().ToLowerInvariant()}";
}

/// <summary>
/// The shared machinery of the Gradient_ properties: generators of shapes and layouts (FsCheck), input
/// tensors drawn from a seed, and the assertion that runs <see cref="GradCheck"/> with a readable failure.
/// <para>
/// Every run of a property starts from one seed, printed when it fails; set the environment variable
/// SCRATCH_SEED to that number to replay the same cases.
/// </para>
/// </summary>
public static class Properties
{
    /// <summary>How many random cases each property tries (small: each case is a full gradient check).</summary>
    public const int Cases = 25;

    /// <summary>The finite-difference step (see <see cref="AssertGradients"/>).</summary>
    public const double Epsilon = 1e-5;

    private const ulong Gamma = 0x9E3779B97F4A7C15; // FsCheck's split-mix increment; any odd number works

    /// <summary>
    /// Runs <paramref name="property"/> on cases drawn from <paramref name="gen"/>; on failure, names the seed.
    /// SCRATCH_CASES overrides the number of cases (for a long search before a release).
    /// </summary>
    public static void Check<TCase>(Gen<TCase> gen, Action<TCase> property, int cases = Cases)
    {
        string? fromEnv = Environment.GetEnvironmentVariable("SCRATCH_SEED");
        ulong seed = ulong.TryParse(fromEnv, out ulong s) ? s : (ulong)Random.Shared.NextInt64(1, long.MaxValue);
        cases = int.TryParse(Environment.GetEnvironmentVariable("SCRATCH_CASES"), out int n) && n > 0 ? n : cases;
        var config = Config.QuickThrowOnFailure.WithMaxTest(cases).WithReplay(seed, Gamma);
        try
        {
            FsCheck.Check.One(config, Prop.ForAll(Arb.From(gen), property));
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"property failed with seed {seed} (replay: SCRATCH_SEED={seed} dotnet test ...)\n{e.Message}");
        }
    }

    /// <summary>A shape of rank in [minRank, maxRank] with sizes in [1, maxSize] (size-1 dimensions included).</summary>
    public static Gen<int[]> Shape(int minRank, int maxRank, int maxSize = 3) =>
        from rank in Gen.Choose(minRank, maxRank)
        from sizes in Gen.ArrayOf(Gen.Choose(1, maxSize), rank)
        select sizes;

    /// <summary>Any layout.</summary>
    public static Gen<Layout> AnyLayout => Gen.Elements(Layout.Contiguous, Layout.Transposed, Layout.Strided, Layout.Expanded);

    /// <summary>A seed for the values.</summary>
    public static Gen<int> Seed => Gen.Choose(0, int.MaxValue);

    /// <summary>
    /// Two shapes that broadcast together: a common shape of rank ≤ 3, from which each operand may drop
    /// leading dimensions and set sizes to 1.
    /// </summary>
    public static Gen<(int[] A, int[] B)> BroadcastPair =>
        from full in Shape(0, 3)
        from a in Operand(full)
        from b in Operand(full)
        select (a, b);

    private static Gen<int[]> Operand(int[] full) =>
        from drop in Gen.Choose(0, full.Length)
        from ones in Gen.ArrayOf(Gen.Elements(false, false, true), full.Length)
        select full.Select((size, d) => ones[d] ? 1 : size).Skip(drop).ToArray();

    /// <summary>The leaf tensor behind an input: the shape its layout needs, values from its domain.</summary>
    public static Tensor<double> Leaf(Input input, Rng rng)
    {
        int[] shape = LeafShape(input);
        int n = Shapes.Count(shape);
        double[] values = new double[n];
        var order = Enumerable.Range(0, n).OrderBy(_ => rng.NextDouble()).ToArray(); // for Distinct
        for (int i = 0; i < n; i++)
        {
            double u = rng.NextDouble();
            values[i] = input.Domain switch
            {
                Domain.Positive => 0.5 + 1.5 * u,
                Domain.AwayFromZero => (rng.NextDouble() < 0.5 ? -1 : 1) * (0.1 + 1.9 * u),
                Domain.Distinct => 0.25 * (order[i] - n / 2.0) + 0.05 * u,
                _ => -2 + 4 * u,
            };
        }
        return Tensor<double>.FromArray(values, shape);
    }

    /// <summary>The leaf tensors of all inputs, from one seed.</summary>
    public static Tensor<double>[] Leaves(Input[] inputs, int seed)
    {
        var rng = new Rng((ulong)seed);
        return inputs.Select(input => Leaf(input, rng)).ToArray();
    }

    private static int[] LeafShape(Input input)
    {
        int[] shape = (int[])input.Shape.Clone();
        int rank = shape.Length;
        switch (input.Layout)
        {
            case Layout.Transposed when rank >= 2:
                (shape[^1], shape[^2]) = (shape[^2], shape[^1]);
                break;
            case Layout.Strided when rank >= 1:
                shape[^1] *= 2;
                break;
            case Layout.Expanded when rank >= 1:
                shape[0] = 1;
                break;
        }
        return shape;
    }

    /// <summary>Turns a leaf into the input the op sees (the view is itself a differentiable op).</summary>
    public static Var<double> Present(Var<double> leaf, Input input)
    {
        int rank = input.Shape.Length;
        return input.Layout switch
        {
            Layout.Transposed when rank >= 2 => leaf.Transpose(-1, -2),
            Layout.Strided when rank >= 1 => leaf.Slice(-1, 1, 2 * input.Shape[^1], 2),
            Layout.Expanded when rank >= 1 => leaf.Expand(input.Shape),
            _ => leaf,
        };
    }

    /// <summary>The same view on a plain tensor, for forward checks.</summary>
    public static Tensor<double> Present(Tensor<double> leaf, Input input) =>
        Present(new Var<double>(leaf), input).Value;

    /// <summary>
    /// Asserts that <paramref name="f"/>'s gradients, with its inputs presented in their layouts, match
    /// central differences to a relative error of 1e-6.
    /// </summary>
    /// <remarks>
    /// The step ε = 1e-5, not GradCheck's default 1e-6: a central difference has truncation error ~ ε²·f‴/6
    /// and rounding error ~ ulp(L)/ε. With L summing ~100 terms of size 1, ε = 1e-6 leaves a rounding error
    /// of a few 1e-9, which for a gradient below tiny = 1e-3 is a "relative error" above 1e-6: a correct
    /// stack of three [3,3,3] tensors failed that way about once in 2000 cases. At 1e-5 both errors are ~1e-10.
    /// </remarks>
    public static void AssertGradients(Input[] inputs, int seed, Func<Var<double>[], Var<double>> f)
    {
        var leaves = Leaves(inputs, seed);
        var result = GradCheck.Run(xs => f(xs.Select((x, i) => Present(x, inputs[i])).ToArray()), leaves, epsilon: Epsilon);
        Assert.True(result.Passed(1e-6), $"{result}; inputs: {string.Join("; ", inputs.Select(x => x.ToString()))}; value seed {seed}");
    }

    /// <summary>Asserts that an op's forward value equals an independent computation.</summary>
    public static void AssertClose(Tensor<double> expected, Tensor<double> actual, string what)
    {
        Assert.True(Shapes.Equal(expected.Shape, actual.Shape), $"{what}: shape {Shapes.Format(actual.Shape)}, expected {Shapes.Format(expected.Shape)}");
        Assert.True(expected.AllClose(actual, rtol: 1e-12, atol: 1e-12), $"{what}: forward value differs\nexpected {expected}\nactual {actual}");
    }
}
