using Scratch.Tensors;

namespace Scratch.Autograd.Tests;

/// <summary>
/// Every op records the name a reader sees in graph exports, backward traces, anomaly reports and errors: PyTorch's
/// name for the same function (<c>F.layer_norm</c>, <c>index_select</c>, <c>masked_fill</c>, …). One table, every op.
/// </summary>
public sealed class OpNameTests
{
    private static Var<double> Leaf(params int[] shape) =>
        new(Tensor<double>.Arange(Shapes.Count(shape)).Reshape(shape) + 1.0, requiresGrad: true);

    [Fact]
    public void EveryOpRecordsItsName()
    {
        var (x, y) = (Leaf(2, 3), Leaf(2, 3));
        var qkv = Leaf(1, 1, 2, 2);
        (string Name, Func<Var<double>> Op)[] ops =
        [
            ("add", () => x + y), ("sub", () => x - y), ("mul", () => x * y), ("div", () => x / y), ("neg", () => -x),
            ("pow", () => x.Pow(2.0)), ("exp", () => x.Exp()), ("log", () => x.Log()), ("sqrt", () => x.Sqrt()), ("abs", () => x.Abs()),
            ("tanh", () => x.Tanh()), ("sigmoid", () => x.Sigmoid()), ("relu", () => x.Relu()), ("gelu", () => x.Gelu()),
            ("sum", () => x.Sum()), ("mean", () => x.Mean()), ("max", () => x.Max(1)),
            ("softmax", () => x.Softmax(1)), ("log_softmax", () => x.LogSoftmax(1)),
            ("reshape", () => x.Reshape(3, 2)), ("transpose", () => x.Transpose(0, 1)), ("permute", () => x.Permute(1, 0)),
            ("slice", () => x.Slice(1, 0, 2)), ("slice", () => x.Slice(1, 0, 3, 2)), ("expand", () => Leaf(1, 3).Expand(2, 3)),
            ("concat", () => Var<double>.Concat([x, y], 0)), ("stack", () => Var<double>.Stack([x, y], 0)),
            ("index_select", () => x.IndexSelect(0, [1, 0])), ("masked_fill", () => x.MaskedFill(Tensor<double>.Ones(2, 3), 0.0)),
            ("matmul", () => x.MatMul(Leaf(3, 2))), ("linear", () => Var<double>.Linear(x, Leaf(4, 3))),
            ("layer_norm", () => Var<double>.LayerNorm(x, Leaf(3), Leaf(3))),
            ("cross_entropy", () => Var<double>.CrossEntropy(x, [0, 2])),
            ("causal_self_attention", () => Var<double>.CausalSelfAttention(qkv, qkv, qkv)),
            ("causal_self_attention", () => Var<double>.CausalSelfAttentionQkv(Leaf(1, 2, 6), nHead: 2)),
            ("dropout", () => x.Dropout(0.5, new Rng(1))), ("dropout", () => x.Dropout(0.5, new Rng(1), training: false)),
        ];
        foreach (var (name, op) in ops)
        {
            Assert.Equal(name, op().Op);
        }
    }
}
