using Scratch.Tensors;

namespace Scratch.Autograd.Tests;

/// <summary>Bad inputs to the ops throw errors that name the op and the shapes (or values) involved.</summary>
public sealed class OpErrorTests
{
    private static Var<double> Leaf(params int[] shape) => new(Tensor<double>.Zeros(shape), requiresGrad: true);

    public static TheoryData<string, string[], Action> Cases => new()
    {
        { "div", ["div", "[2,3]", "[4]"], () => Var<double>.Div(Leaf(2, 3), Leaf(4)) },
        { "sum", ["sum", "3"], () => Leaf(2, 3).Sum(3) },
        { "mean", ["mean", "-3"], () => Leaf(2, 3).Mean([-3]) },
        { "max", ["max", "rank 0"], () => Leaf().Max(0) },
        { "reshape", ["reshape", "[4]", "[2,3]"], () => Leaf(2, 3).Reshape(4) },
        { "permute", ["permute", "[0,0]", "[2,3]"], () => Leaf(2, 3).Permute(0, 0) },
        { "slice", ["slice", "step", "0"], () => Leaf(2, 3).Slice(1, 0, 3, 0) },
        { "expand", ["expand", "[2,3]", "[2,4]"], () => Leaf(2, 3).Expand(2, 4) },
        { "concat", ["concat", "[2,3]", "[2,4]"], () => Var<double>.Concat([Leaf(2, 3), Leaf(2, 4)], 0) },
        { "stack", ["stack", "[2,3]", "[3,2]"], () => Var<double>.Stack([Leaf(2, 3), Leaf(3, 2)], 0) },
        { "index_select", ["index_select", "5", "size 3"], () => Leaf(2, 3).IndexSelect(1, [0, 5]) },
        { "masked_fill", ["masked_fill", "[3,2]", "[2,3]"], () => Leaf(2, 3).MaskedFill(Tensor<double>.Zeros(3, 2), 0.0) },
        { "matmul", ["matmul", "[2,3]", "[2,3]"], () => Leaf(2, 3).MatMul(Leaf(2, 3)) },
        { "softmax", ["softmax", "2"], () => Leaf(2, 3).Softmax(2) },
        { "log_softmax", ["log_softmax", "-3"], () => Leaf(2, 3).LogSoftmax(-3) },
    };

    /// <summary>The whole message, for the checks the ops make themselves (the cases above are the tensor kernels').</summary>
    [Fact]
    public void ChecksOfTheOpsGiveTheirMessage()
    {
        (Action Act, string Message)[] cases =
        [
            (() => Var<double>.Linear(Leaf(4, 3), Leaf(5, 2)), "linear: input of shape [4,3] does not end in the 2 features of a weight of shape [5,2]"),
            (() => Var<double>.Linear(Leaf(), Leaf(5, 2)), "linear: input of shape [] does not end in the 2 features of a weight of shape [5,2]"),
            (() => Var<double>.Linear(Leaf(4, 3), Leaf(3)), "linear: weight must be (N, K), got shape [3] (input [4,3])"),
            (() => Leaf(2, 0).Max(1), "max: dimension 1 of shape [2,0] is empty"),
            (() => Leaf(0, 2).Max(-2), "max: dimension -2 of shape [0,2] is empty"),
            (() => Var<double>.CrossEntropy(Leaf(2, 3, 0), []), "cross_entropy: logits must be (N, V) or (B, T, V) with V ≥ 1 classes, got [2,3,0]"),
            (() => Var<double>.LayerNorm(Leaf(2, 3), Leaf(3), null, eps: -1e-9), "layer_norm: eps must be finite and ≥ 0, got -1E-09 (Parameter 'eps')"),
        ];
        foreach (var (act, message) in cases)
        {
            Assert.Equal(message, Assert.ThrowsAny<ArgumentException>(act).Message);
        }
    }

    /// <summary>The edges that are allowed: ε = 0 in layer norm (a row that is not constant needs none), a mean over an empty tensor.</summary>
    [Fact]
    public void EdgeValuesThatAreAllowed()
    {
        var x = new Var<double>(Tensor<double>.FromArray([1.0, 3.0], 1, 2), requiresGrad: true);
        var y = Var<double>.LayerNorm(x, new Var<double>(Tensor<double>.Ones(2)), null, eps: 0);
        Assert.Equal([-1.0, 1.0], y.Value.ToArray()); // (x − 2) / 1

        var empty = Leaf(0, 3);
        var mean = empty.Mean(1); // [0]: no rows, so no means
        mean.Sum().Backward();
        Assert.Equal([0, 3], empty.Grad!.ShapeArray());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BadInputNamesTheOp(string op, string[] mentions, Action act)
    {
        var e = Assert.ThrowsAny<Exception>(act);
        foreach (string m in mentions)
        {
            Assert.True(e.Message.Contains(m, StringComparison.Ordinal), $"{op}: message should mention \"{m}\": {e.Message}");
        }
    }
}
