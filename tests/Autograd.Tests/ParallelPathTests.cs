using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using Scratch.Autograd.Kernels;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;
using static Scratch.Autograd.Tests.FusedOpSupport;

namespace Scratch.Autograd.Tests;

/// <summary>
/// The path every real training step takes, at small shapes: each fast kernel with <see cref="Chunked.For"/> forced
/// onto its parallel path and cut into 1 to 7 chunks (<see cref="Chunked.ForcedChunks"/>), against its plain reference
/// loop. Without the forcing, shapes this small run as one chunk on one thread, and a wrong chunk offset (a row
/// numbered from its chunk instead of from 0, a block's partial sum written to another block) would go unseen; with
/// it the result must not depend on how the rows were cut, whatever the machine's number of cores.
/// </summary>
public sealed class ParallelPathTests
{
    private static readonly Gen<int> ChunkCounts = Gen.Choose(1, 7);

    /// <summary>Runs <paramref name="body"/> with Chunked.For forced into <paramref name="chunks"/> chunks.</summary>
    private static TResult WithChunks<TResult>(int chunks, Func<TResult> body)
    {
        Chunked.ForcedChunks.Value = chunks;
        try
        {
            return body();
        }
        finally
        {
            Chunked.ForcedChunks.Value = null;
        }
    }

    // Layer norm: rows are chunked in the forward pass, blocks of 32 rows in the backward pass (N up to 100: 1 to 4 blocks).

    private static readonly Gen<(LayerNormKernelTests.Case Case, int Chunks)> LayerNormCases =
        from n in Gen.Choose(1, 100)
        from c in Gen.Choose(1, 20)
        from bias in Gen.Elements(true, false)
        from seed in Seeds
        from chunks in ChunkCounts
        select (new LayerNormKernelTests.Case(n, c, bias, seed), chunks);

    /// <summary>
    /// In double against the reference; in float (where rounding makes the reference only close) bit for bit against
    /// the same kernel on one chunk: every row is computed alone, and dw, db are summed per block of 32 rows and then
    /// block by block, so the bits must not depend on how the rows were shared out.
    /// </summary>
    [Fact]
    public void LayerNormOnForcedChunksEqualsReference() => ForAll(LayerNormCases, t =>
    {
        var (x, w, b, dy) = t.Case.Inputs<double>();
        var what = $"{t.Case}, {t.Chunks} chunks";
        var (y, mean, rstd) = WithChunks(t.Chunks, () => LayerNormFast.Forward(x, w, b, 1e-5));
        var (yRef, meanRef, rstdRef) = LayerNormReference.Forward(x, w, b, 1e-5);
        AssertClose(yRef, y, 1e-12, $"{what}: y");
        AssertClose(Tensor<double>.FromArray(meanRef), Tensor<double>.FromArray(mean), 1e-12, $"{what}: mean");
        AssertClose(Tensor<double>.FromArray(rstdRef), Tensor<double>.FromArray(rstd), 1e-12, $"{what}: rstd");

        var (dx, dw, db) = WithChunks(t.Chunks, () => LayerNormFast.Backward(dy, x, w, mean, rstd));
        var (dxRef, dwRef, dbRef) = LayerNormReference.Backward(dy, x, w, meanRef, rstdRef);
        AssertClose(dxRef, dx, 1e-12, $"{what}: dx");
        AssertClose(dwRef, dw, 1e-12 * Math.Sqrt(t.Case.N), $"{what}: dw"); // a sum over N rows, added in another order
        AssertClose(dbRef, db, 1e-12 * Math.Sqrt(t.Case.N), $"{what}: db");

        var (xf, wf, bf, dyf) = t.Case.Inputs<float>();
        var forward = WithChunks(t.Chunks, () => LayerNormFast.Forward(xf, wf, bf, 1e-5f));
        var forwardOne = WithChunks(1, () => LayerNormFast.Forward(xf, wf, bf, 1e-5f));
        AssertSameBits(forwardOne.Y, forward.Y, $"{what}, float: y");
        var backward = WithChunks(t.Chunks, () => LayerNormFast.Backward(dyf, xf, wf, forward.Mean, forward.Rstd));
        var backwardOne = WithChunks(1, () => LayerNormFast.Backward(dyf, xf, wf, forwardOne.Mean, forwardOne.Rstd));
        AssertSameBits(backwardOne.Dx, backward.Dx, $"{what}, float: dx");
        AssertSameBits(backwardOne.Dw, backward.Dw, $"{what}, float: dw");
        AssertSameBits(backwardOne.Db, backward.Db, $"{what}, float: db");
    });

    private static void AssertSameBits<TNum>(Tensor<TNum> expected, Tensor<TNum> actual, string what) where TNum : unmanaged, IFloatingPointIeee754<TNum>
    {
        Assert.Equal(expected.ShapeArray(), actual.ShapeArray());
        var (e, a) = (expected.ToArray(), actual.ToArray());
        for (int i = 0; i < e.Length; i++)
        {
            Assert.True(e[i].Equals(a[i]), $"{what}[{i}]: {e[i]} on one chunk, {a[i]} on several");
        }
    }

    // Attention: the softmax rows (B·H·T of them) are chunked forward and backward; a row's query position is its
    // number mod T, so a chunk that starts inside a (batch, head) must still number its rows from the first row.

    private static readonly Gen<(AttentionKernelTests.Case Case, int Chunks)> AttentionCases =
        from b in Gen.Choose(1, 2)
        from h in Gen.Choose(1, 3)
        from t in Gen.Choose(1, 12)
        from hs in Gen.Choose(1, 10)
        from p in Gen.Elements(0.0, 0.3)
        from seed in Seeds
        from chunks in ChunkCounts
        select (new AttentionKernelTests.Case(b, h, t, hs, p, seed), chunks);

    [Fact]
    public void AttentionOnForcedChunksEqualsReference() => ForAll(AttentionCases, t =>
    {
        AssertAttention<double>(t.Case, t.Chunks, 1e-12);
        AssertAttention<float>(t.Case, t.Chunks, 1e-4);
    });

    private static void AssertAttention<TNum>(AttentionKernelTests.Case c, int chunks, double tolerance) where TNum : unmanaged, IFloatingPointIeee754<TNum>
    {
        var (q, k, v, dy, mask) = c.Inputs<TNum>();
        var what = $"{c}, {chunks} chunks, {typeof(TNum).Name}";
        var (y, att, weights) = WithChunks(chunks, () => AttentionFast.Forward(q, k, v, mask));
        var (yRef, attRef) = AttentionReference.Forward(q, k, v, mask);
        AssertClose(attRef, att, tolerance, $"{what}: att");
        AssertClose(yRef, y, tolerance, $"{what}: y");

        var (dq, dk, dv) = WithChunks(chunks, () => AttentionFast.Backward(dy, q, k, v, att, weights, mask));
        var (dqRef, dkRef, dvRef) = AttentionReference.Backward(dy, q, k, v, attRef, mask);
        AssertClose(dqRef, dq, tolerance, $"{what}: dq");
        AssertClose(dkRef, dk, tolerance, $"{what}: dk");
        AssertClose(dvRef, dv, tolerance, $"{what}: dv");
    }

    // Cross-entropy: rows are chunked forward and backward; ignored rows are skipped in both.

    private static readonly Gen<(CrossEntropyKernelTests.Case Case, int Chunks)> CrossEntropyCases =
        from n in Gen.Choose(1, 40)
        from v in Gen.Choose(1, 40)
        from scale in Gen.Elements(0.1, 3.0, 30.0)
        from seed in Seeds
        from chunks in ChunkCounts
        select (new CrossEntropyKernelTests.Case(n, v, scale, seed), chunks);

    [Fact]
    public void CrossEntropyOnForcedChunksEqualsReference() => ForAll(CrossEntropyCases, t =>
    {
        AssertCrossEntropy<double>(t.Case, t.Chunks, 1e-12);
        AssertCrossEntropy<float>(t.Case, t.Chunks, 2e-5);
    });

    private static void AssertCrossEntropy<TNum>(CrossEntropyKernelTests.Case c, int chunks, double tolerance) where TNum : unmanaged, IFloatingPointIeee754<TNum>
    {
        const int ignore = -1; // CrossEntropyKernelTests' cases ignore about a quarter of the rows with −1
        var (z, y, dloss) = c.Inputs<TNum>();
        var what = $"{c}, {chunks} chunks, {typeof(TNum).Name}";
        var (loss, lse) = WithChunks(chunks, () => CrossEntropyFast.Forward(z, y, ignore));
        var (lossRef, lseRef) = CrossEntropyReference.Forward(z, y, ignore);
        AssertClose(Tensor<TNum>.Scalar(lossRef), Tensor<TNum>.Scalar(loss), tolerance, $"{what}: loss");
        var counted = Enumerable.Range(0, c.N).Where(n => y[n] != ignore).ToArray(); // an ignored row's lse is never read
        AssertClose(Tensor<TNum>.FromArray(counted.Select(n => lseRef[n]).ToArray()), Tensor<TNum>.FromArray(counted.Select(n => lse[n]).ToArray()), tolerance, $"{what}: lse");

        var dz = WithChunks(chunks, () => CrossEntropyFast.Backward(dloss, z, y, ignore, lse));
        AssertClose(CrossEntropyReference.Backward(dloss, z, y, ignore, lseRef), dz, tolerance, $"{what}: dlogits");
    }

    // GELU's backward: the elements, flattened, are chunked.

    private static readonly Gen<(GeluKernelTests.Case Case, int Chunks)> GeluCases =
        from rank in Gen.Choose(1, 3)
        from shape in Gen.ArrayOf(Gen.Choose(1, 9), rank)
        from scale in Gen.Elements(0.5, 3.0)
        from seed in Seeds
        from chunks in ChunkCounts
        select (new GeluKernelTests.Case(shape, scale, seed), chunks);

    [Fact]
    public void GeluBackwardOnForcedChunksEqualsReference() => ForAll(GeluCases, t =>
    {
        var (x, dy) = t.Case.Inputs();
        var what = $"{t.Case}, {t.Chunks} chunks";
        var dxRef = GeluReference.Backward(x, dy);
        AssertClose(dxRef, WithChunks(t.Chunks, () => GeluFast.Backward(x, dy)), 1e-15, $"{what}: dx");
        var dxFloat = WithChunks(t.Chunks, () => GeluFast.Backward(Cast<float>(x), Cast<float>(dy)));
        AssertClose(Cast<float>(dxRef), dxFloat, 1e-4, $"{what}, float: dx");
    });
}
