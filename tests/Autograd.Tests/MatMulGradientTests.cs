using FsCheck;
using FsCheck.Fluent;
using Scratch.Tensors;

namespace Scratch.Autograd.Tests;

// The matrix product: 1-D operands, plain matrices, batches with broadcast batch dimensions, and operands
// that are transposed, strided or expanded views. Shapes: A (…, M, K), B (…, K, N).
public sealed class MatMulGradientTests
{
    private static Gen<(Input A, Input B, bool Instance, int Seed)> Products =>
        from m in Gen.Choose(1, 3)
        from k in Gen.Choose(1, 3)
        from n in Gen.Choose(1, 3)
        from batch in Properties.BroadcastPair
        from aVector in Gen.Elements(false, false, true)
        from bVector in Gen.Elements(false, false, true)
        from layoutA in Properties.AnyLayout
        from layoutB in Properties.AnyLayout
        from instance in Gen.Elements(false, true)
        from seed in Properties.Seed
        let a = aVector ? [k] : batch.A.Concat([m, k]).ToArray()
        let b = bVector ? [k] : batch.B.Concat([k, n]).ToArray()
        select (new Input(a, layoutA), new Input(b, layoutB), instance, seed);

    [Fact]
    public void Gradient_MatMul()
    {
        Properties.Check(Products, c =>
        {
            Var<double> Op(Var<double> a, Var<double> b) => c.Instance ? a.MatMul(b) : Var<double>.MatMul(a, b);
            Properties.AssertGradients([c.A, c.B], c.Seed, x => Op(x[0], x[1]));
            var leaves = Properties.Leaves([c.A, c.B], c.Seed);
            var a = Properties.Present(leaves[0], c.A);
            var b = Properties.Present(leaves[1], c.B);
            Properties.AssertClose(NaiveMatMul(a, b), Op(new Var<double>(a), new Var<double>(b)).Value, $"{c.A} · {c.B}");
        });
    }

    /// <summary>
    /// One operand data (a frozen weight, an input batch): the other's gradient is the same as when both need one, and
    /// the data is sent none. Covers the backward's early return for data B and the skipped ∂L/∂A for data A.
    /// </summary>
    [Fact]
    public void Gradient_MatMulWithOneOperandData()
    {
        Properties.Check(Products, c =>
        {
            var values = Properties.Leaves([c.A, c.B], c.Seed);
            Var<double>[] Backward(int? frozen) // the leaves after ∂(Σ A·B)/∂leaf, with input `frozen` as data
            {
                var leaves = values.Select((v, i) => new Var<double>(v, requiresGrad: i != frozen)).ToArray();
                Var<double>.MatMul(Properties.Present(leaves[0], c.A), Properties.Present(leaves[1], c.B)).Sum().Backward();
                return leaves;
            }
            var both = Backward(null);
            for (int frozen = 0; frozen < 2; frozen++)
            {
                var leaves = Backward(frozen);
                Assert.Null(leaves[frozen].Grad);
                Properties.AssertClose(both[1 - frozen].Grad!, leaves[1 - frozen].Grad!, $"{c.A} · {c.B}, input {frozen} data");
            }
        });
    }

    /// <summary>
    /// Linear(x, W) = x·Wᵀ: finite-difference gradients for inputs of rank 1 to 3 in every layout, and values
    /// and gradients equal to the composite x.MatMul(W.Transpose(0, 1)).
    /// </summary>
    [Fact]
    public void Gradient_Linear()
    {
        var cases = from rank in Gen.Choose(0, 2)
                    from lead in Gen.ArrayOf(Gen.Choose(1, 4), rank)
                    from k in Gen.Choose(1, 6)
                    from n in Gen.Choose(1, 5)
                    from layoutX in Properties.AnyLayout
                    from layoutW in Properties.AnyLayout
                    from seed in Properties.Seed
                    select (X: new Input([.. lead, k], layoutX), W: new Input([n, k], layoutW), Seed: seed);
        Properties.Check(cases, c =>
        {
            Properties.AssertGradients([c.X, c.W], c.Seed, v => Var<double>.Linear(v[0], v[1]));
            var leaves = Properties.Leaves([c.X, c.W], c.Seed);
            var fused = leaves.Select(t => new Var<double>(t, requiresGrad: true)).ToArray();
            var composite = leaves.Select(t => new Var<double>(t, requiresGrad: true)).ToArray();
            var y = Var<double>.Linear(Properties.Present(fused[0], c.X), Properties.Present(fused[1], c.W));
            var z = Properties.Present(composite[0], c.X).MatMul(Properties.Present(composite[1], c.W).Transpose(0, 1));
            Properties.AssertClose(z.Value, y.Value, $"linear {c.X} · {c.W}ᵀ");
            var dy = Tensor<double>.Randn(new Rng((ulong)c.Seed + 1), y.Value.ShapeArray());
            y.Backward(dy);
            z.Backward(dy);
            Properties.AssertClose(composite[0].Grad!, fused[0].Grad!, "∂L/∂x");
            Properties.AssertClose(composite[1].Grad!, fused[1].Grad!, "∂L/∂W");
        });
    }

    [Fact]
    public void MatMul_NamesTheOpAndShapesWhenTheyDoNotFit()
    {
        var a = new Var<double>(Tensor<double>.Zeros(2, 3), requiresGrad: true);
        var b = new Var<double>(Tensor<double>.Zeros(4, 5), requiresGrad: true);
        var e = Assert.Throws<ArgumentException>(() => a.MatMul(b));
        Assert.Contains("matmul", e.Message);
        Assert.Contains("[2,3]", e.Message);
        Assert.Contains("[4,5]", e.Message);
    }

    /// <summary>
    /// An independent forward: promote 1-D operands, broadcast the batch dimensions, and loop
    /// C[…, i, j] = Σₚ A[…, i, p]·B[…, p, j] one element at a time.
    /// </summary>
    private static Tensor<double> NaiveMatMul(Tensor<double> a, Tensor<double> b)
    {
        var a2 = a.Rank == 1 ? a.Unsqueeze(0) : a;
        var b2 = b.Rank == 1 ? b.Unsqueeze(1) : b;
        int m = a2.Size(-2), k = a2.Size(-1), n = b2.Size(-1);
        int[] batch = Shapes.Broadcast("naive", a2.Shape[..^2], b2.Shape[..^2]);
        var ae = a2.Expand([.. batch, m, k]).Contiguous().Reshape(-1, m, k);
        var be = b2.Expand([.. batch, k, n]).Contiguous().Reshape(-1, k, n);
        int count = Shapes.Count(batch);
        var c = new double[count * m * n];
        for (int t = 0; t < count; t++)
        {
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double sum = 0;
                    for (int p = 0; p < k; p++)
                    {
                        sum += ae[t, i, p] * be[t, p, j];
                    }
                    c[(t * m + i) * n + j] = sum;
                }
            }
        }
        var result = Tensor<double>.FromArray(c, [.. batch, m, n]);
        if (a.Rank == 1)
        {
            result = result.Squeeze(-2);
        }
        if (b.Rank == 1)
        {
            result = result.Squeeze(-1);
        }
        return result;
    }
}
