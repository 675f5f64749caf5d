using FsCheck;
using FsCheck.Fluent;
using Scratch.Autograd.Composites;
using Scratch.Autograd.Kernels;
using Scratch.Tensors;
using static Scratch.Autograd.Tests.FusedOpSupport;

namespace Scratch.Autograd.Tests;

/// <summary>
/// The three layers of layer norm held equal: <see cref="LayerNormFast"/> to <see cref="LayerNormReference"/> (forward
/// and backward, every output), and the reference to <see cref="Composite.LayerNorm"/>, whose gradient the engine
/// derives from primitive ops. Shapes cross the SIMD width (C) and the fast kernel's row blocks (N).
/// </summary>
public sealed class LayerNormKernelTests
{
    private const double Eps = 1e-5;

    /// <summary>x (N, C), w (C), b (C) or none, and an upstream gradient dy (N, C).</summary>
    public sealed record Case(int N, int C, bool WithBias, ulong Seed)
    {
        public (Tensor<T> X, Tensor<T> W, Tensor<T>? B, Tensor<T> Dy) Inputs<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            var rng = new Rng(Seed);
            var x = Tensor<double>.Randn(rng, N, C) * (1 + 4 * rng.NextDouble()) + rng.NextNormal();
            var (w, b, dy) = (Tensor<double>.Randn(rng, C), Tensor<double>.Randn(rng, C), Tensor<double>.Randn(rng, N, C));
            return (Cast<T>(x), Cast<T>(w), WithBias ? Cast<T>(b) : null, Cast<T>(dy));
        }

        public override string ToString() => $"Case {{ x [{N},{C}], bias {WithBias}, seed {Seed} }}";
    }

    private static Tensor<T> Cast<T>(Tensor<double> x) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        Tensor<T>.FromArray(x.ToArray().Select(T.CreateChecked).ToArray(), x.ShapeArray());

    private static readonly Gen<Case> Cases =
        from n in Gen.Choose(1, 70)
        from c in Gen.Choose(1, 40)
        from bias in Gen.Elements(true, false)
        from seed in Seeds
        select new Case(n, c, bias, seed);

    [Fact]
    public void FastEqualsReference() => ForAll(Cases, c => AssertFastEqualsReference<double>(c, 1e-12));

    /// <summary>At the GPT's size (768 rows of 128) the rows run on all cores, in double and in float.</summary>
    [Fact]
    public void FastEqualsReferenceAtGptSize()
    {
        AssertFastEqualsReference<double>(new Case(768, 128, true, 3), 1e-12);
        AssertFastEqualsReference<float>(new Case(768, 128, false, 4), 2e-5);
    }

    private static void AssertFastEqualsReference<T>(Case c, double tolerance) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var (x, w, b, dy) = c.Inputs<T>();
        T eps = T.CreateChecked(Eps);
        var (y, mean, rstd) = LayerNormFast.Forward(x, w, b, eps);
        var (yRef, meanRef, rstdRef) = LayerNormReference.Forward(x, w, b, eps);
        AssertClose(yRef, y, tolerance, $"{c}: y");
        AssertClose(Tensor<T>.FromArray(meanRef), Tensor<T>.FromArray(mean), tolerance, $"{c}: mean");
        AssertClose(Tensor<T>.FromArray(rstdRef), Tensor<T>.FromArray(rstd), tolerance, $"{c}: rstd");

        var (dx, dw, db) = LayerNormFast.Backward(dy, x, w, mean, rstd);
        var (dxRef, dwRef, dbRef) = LayerNormReference.Backward(dy, x, w, meanRef, rstdRef);
        AssertClose(dxRef, dx, tolerance, $"{c}: dx");
        AssertClose(dwRef, dw, tolerance * Math.Sqrt(c.N), $"{c}: dw"); // a sum over N rows, added in another order
        AssertClose(dbRef, db, tolerance * Math.Sqrt(c.N), $"{c}: db");
    }

    /// <summary>The hand-derived reference against the composite: y, and dx, dw, db against what the engine derives.</summary>
    [Fact]
    public void ReferenceEqualsComposite() => ForAll(Cases, c =>
    {
        var (x, w, b, dy) = c.Inputs<double>();
        var (y, mean, rstd) = LayerNormReference.Forward(x, w, b, Eps);
        var (dx, dw, db) = LayerNormReference.Backward(dy, x, w, mean, rstd);

        var (xv, wv, bv) = (new Var<double>(x, requiresGrad: true), new Var<double>(w, requiresGrad: true), b is null ? null : new Var<double>(b, requiresGrad: true));
        var composite = Composite.LayerNorm(xv, wv, bv, Eps);
        composite.Backward(dy);
        AssertClose(composite.Value, y, 1e-10, $"{c}: y");
        AssertClose(xv.Grad!, dx, 1e-9, $"{c}: dx");
        AssertClose(wv.Grad!, dw, 1e-9, $"{c}: dw");
        if (bv is not null)
        {
            AssertClose(bv.Grad!, db, 1e-9, $"{c}: db");
        }
    });
}
