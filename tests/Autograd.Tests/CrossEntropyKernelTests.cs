using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using Scratch.Autograd.Composites;
using Scratch.Autograd.Kernels;
using Scratch.Tensors;
using static Scratch.Autograd.Tests.FusedOpSupport;

namespace Scratch.Autograd.Tests;

/// <summary>
/// The three layers of cross-entropy held equal: <see cref="CrossEntropyFast"/> to <see cref="CrossEntropyReference"/>
/// (loss, lse and gradient), and the reference to <see cref="Composite.CrossEntropy"/>, whose gradient the engine
/// derives from primitive ops. V crosses the SIMD width; about a quarter of the targets are ignored.
/// </summary>
public sealed class CrossEntropyKernelTests
{
    private const int Ignore = -1;

    /// <summary>Logits (N, V) with a spread of <paramref name="Scale"/>, targets with some ignored (never all), a dloss.</summary>
    public sealed record Case(int N, int V, double Scale, ulong Seed)
    {
        public (Tensor<TNum> Logits, int[] Targets, TNum Dloss) Inputs<TNum>() where TNum : unmanaged, IFloatingPointIeee754<TNum>
        {
            var rng = new Rng(Seed);
            var z = Tensor<double>.Randn(rng, N, V) * Scale;
            var y = Enumerable.Range(0, N).Select(n => n > 0 && rng.NextDouble() < 0.25 ? Ignore : rng.NextInt(V)).ToArray();
            return (Tensor<TNum>.FromArray(z.ToArray().Select(TNum.CreateChecked).ToArray(), N, V), y, TNum.CreateChecked(0.5 + rng.NextDouble()));
        }

        public override string ToString() => $"Case {{ logits [{N},{V}], scale {Scale}, seed {Seed} }}";
    }

    private static readonly Gen<Case> Cases =
        from n in Gen.Choose(1, 70)
        from v in Gen.Choose(1, 80)
        from scale in Gen.Elements(0.1, 3.0, 30.0)
        from seed in Seeds
        select new Case(n, v, scale, seed);

    [Fact]
    public void FastEqualsReference() => ForAll(Cases, c => AssertFastEqualsReference<double>(c, 1e-12));

    /// <summary>The baby GPT's logits (768 rows of 65) and a slice of GPT-2's (64 rows of 50,257), on all cores, in float.</summary>
    [Fact]
    public void FastEqualsReferenceAtGptSizesInFloat()
    {
        AssertFastEqualsReference<float>(new Case(768, 65, 3.0, 7), 2e-5);
        AssertFastEqualsReference<float>(new Case(64, 50257, 3.0, 8), 2e-5);
    }

    private static void AssertFastEqualsReference<TNum>(Case c, double tolerance) where TNum : unmanaged, IFloatingPointIeee754<TNum>
    {
        var (z, y, dloss) = c.Inputs<TNum>();
        var (loss, lse) = CrossEntropyFast.Forward(z, y, Ignore);
        var (lossRef, lseRef) = CrossEntropyReference.Forward(z, y, Ignore);
        AssertClose(Tensor<TNum>.Scalar(lossRef), Tensor<TNum>.Scalar(loss), tolerance, $"{c}: loss");
        AssertClose(Tensor<TNum>.FromArray(lseRef), Tensor<TNum>.FromArray(lse), tolerance, $"{c}: lse");
        var dz = CrossEntropyFast.Backward(dloss, z, y, Ignore, lse);
        var dzRef = CrossEntropyReference.Backward(dloss, z, y, Ignore, lseRef);
        AssertClose(dzRef, dz, tolerance, $"{c}: dlogits");
    }

    [Fact]
    public void ReferenceEqualsComposite() => ForAll(Cases, c =>
    {
        var (z, y, dloss) = c.Inputs<double>();
        var (loss, lse) = CrossEntropyReference.Forward(z, y, Ignore);
        var dz = CrossEntropyReference.Backward(dloss, z, y, Ignore, lse);

        var logits = new Var<double>(z, requiresGrad: true);
        var composite = Composite.CrossEntropy(logits, y, Ignore);
        composite.Backward(Tensor<double>.Scalar(dloss));
        Assert.True(Math.Abs(composite.Value.Item() - loss) <= 1e-10 * Math.Max(1, Math.Abs(loss)), $"{c}: loss {loss}, composite {composite.Value.Item()}");
        AssertClose(logits.Grad!, dz, 1e-10, $"{c}: dlogits");
    });
}
