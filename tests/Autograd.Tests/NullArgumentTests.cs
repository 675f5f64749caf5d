using Scratch.Autograd.Composites;
using Scratch.Tensors;

namespace Scratch.Autograd.Tests;

/// <summary>
/// A missing argument is refused up front with an <see cref="ArgumentNullException"/> that names the parameter, not
/// with a NullReferenceException from deep inside the op (or, for a dropout generator that p = 0 never reads, not at
/// all). One table for every op and composite that takes a reference argument.
/// </summary>
public sealed class NullArgumentTests
{
    private static Var<double> Leaf(params int[] shape) => new(Tensor<double>.Ones(shape), requiresGrad: true);

    private static readonly (string Call, string Parameter, Action Act)[] Cases =
    [
        ("Concat(null)", "xs", () => Var<double>.Concat(null!, 0)),
        ("Stack(null)", "xs", () => Var<double>.Stack(null!, 0)),
        ("IndexSelect(0, null)", "indices", () => Leaf(3, 2).IndexSelect(0, null!)),
        ("MaskedFill(null, 0)", "mask", () => Leaf(3, 2).MaskedFill(null!, 0.0)),
        ("MatMul(null, b)", "a", () => Var<double>.MatMul(null!, Leaf(2, 2))),
        ("MatMul(a, null)", "b", () => Var<double>.MatMul(Leaf(2, 2), null!)),
        ("Linear(null, w)", "x", () => Var<double>.Linear(null!, Leaf(3, 2))),
        ("Linear(x, null)", "weight", () => Var<double>.Linear(Leaf(4, 2), null!)),
        ("Dropout(0, null)", "rng", () => Leaf(3).Dropout(0, null!)),
        ("Dropout(0.5, null)", "rng", () => Leaf(3).Dropout(0.5, null!)),
        ("CrossEntropy(null, y)", "logits", () => Var<double>.CrossEntropy(null!, [0])),
        ("CrossEntropy(z, null)", "targets", () => Var<double>.CrossEntropy(Leaf(1, 3), null!)),
        ("LayerNorm(null, w, b)", "x", () => Var<double>.LayerNorm(null!, Leaf(3), Leaf(3))),
        ("LayerNorm(x, null, b)", "weight", () => Var<double>.LayerNorm(Leaf(2, 3), null!, Leaf(3))),
        ("CausalSelfAttention(null, k, v)", "q", () => Var<double>.CausalSelfAttention(null!, Leaf(1, 1, 2, 2), Leaf(1, 1, 2, 2))),
        ("CausalSelfAttention(q, null, v)", "k", () => Var<double>.CausalSelfAttention(Leaf(1, 1, 2, 2), null!, Leaf(1, 1, 2, 2))),
        ("CausalSelfAttention(q, k, null)", "v", () => Var<double>.CausalSelfAttention(Leaf(1, 1, 2, 2), Leaf(1, 1, 2, 2), null!)),
        ("CausalSelfAttentionQkv(null, nHead)", "qkv", () => Var<double>.CausalSelfAttentionQkv(null!, 1)),
        ("Custom(op, null, parents, f)", "value", () => Var<double>.Custom("c", null!, [Leaf(2)], dy => [dy])),
        ("Custom(op, y, null, f)", "parents", () => Var<double>.Custom("c", Tensor<double>.Ones(2), null!, dy => [dy])),
        ("Custom(op, y, parents, null)", "backward", () => Var<double>.Custom("c", Tensor<double>.Ones(2), [Leaf(2)], null!)),
        ("Composite.CrossEntropy(null, y)", "logits", () => Composite.CrossEntropy<double>(null!, [0])),
        ("Composite.CrossEntropy(z, null)", "targets", () => Composite.CrossEntropy(Leaf(1, 3), null!)),
        ("Composite.Gelu(null)", "x", () => Composite.Gelu<double>(null!)),
        ("Composite.LayerNorm(null, w, b)", "x", () => Composite.LayerNorm(null!, Leaf(3), Leaf(3))),
        ("Composite.LayerNorm(x, null, b)", "weight", () => Composite.LayerNorm(Leaf(2, 3), null!, Leaf(3))),
        ("Composite.CausalSelfAttention(null, k, v)", "q", () => Composite.CausalSelfAttention(null!, Leaf(1, 1, 2, 2), Leaf(1, 1, 2, 2))),
        ("Composite.CausalSelfAttention(q, null, v)", "k", () => Composite.CausalSelfAttention(Leaf(1, 1, 2, 2), null!, Leaf(1, 1, 2, 2))),
        ("Composite.CausalSelfAttention(q, k, null)", "v", () => Composite.CausalSelfAttention(Leaf(1, 1, 2, 2), Leaf(1, 1, 2, 2), null!)),
    ];

    [Fact]
    public void EveryNullArgumentIsNamed()
    {
        foreach (var (call, parameter, act) in Cases)
        {
            var e = Record.Exception(act);
            Assert.True(e is ArgumentNullException { ParamName: var name } && name == parameter,
                $"{call}: expected ArgumentNullException for '{parameter}', got {e?.GetType().Name ?? "no exception"}: {e?.Message}");
        }
    }
}
