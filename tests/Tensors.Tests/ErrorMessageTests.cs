namespace Scratch.Tensors.Tests;

/// <summary>Every bad shape or argument throws an error that names the op and the shapes or value involved.</summary>
public sealed class ErrorMessageTests
{
    private static Tensor<float> Z(params int[] shape) => Tensor<float>.Zeros(shape);

    /// <summary>Asserts that <paramref name="action"/> throws <typeparamref name="TException"/> whose message starts with <paramref name="message"/>.</summary>
    private static void Throws<TException>(Action action, string message) where TException : Exception
    {
        var e = Assert.ThrowsAny<TException>(action);
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void BroadcastingErrorsNameTheOpAndBothShapes()
    {
        Throws<ArgumentException>(() => _ = Z(2, 3) + Z(4), "add: shapes [2,3] and [4] cannot be broadcast together (dimension 1: 3 vs 4)");
        Throws<ArgumentException>(() => _ = Z(2, 3) - Z(3, 3), "sub: shapes [2,3] and [3,3] cannot be broadcast together");
        Throws<ArgumentException>(() => _ = Z(2) * Z(3), "mul: shapes [2] and [3] cannot be broadcast together");
        Throws<ArgumentException>(() => _ = Z(2) / Z(3), "div: shapes [2] and [3] cannot be broadcast together");
        Throws<ArgumentException>(() => Tensor<float>.Maximum(Z(2), Z(3)), "maximum: shapes [2] and [3]");
        Throws<ArgumentException>(() => Tensor<float>.Minimum(Z(2), Z(3)), "minimum: shapes [2] and [3]");
        Throws<ArgumentException>(() => Z(2).Pow(Z(3)), "pow: shapes [2] and [3]");
        Throws<ArgumentException>(() => Z(2).Eq(Z(3)), "eq: shapes [2] and [3]");
        Throws<ArgumentException>(() => Z(2).Lt(Z(3)), "lt: shapes [2] and [3]");
        Throws<ArgumentException>(() => Z(2).Ge(Z(3)), "ge: shapes [2] and [3]");
        Throws<ArgumentException>(() => Tensor<float>.Where(Z(2), Z(3), Z(1)), "where: shapes [2] and [3]");
        Throws<ArgumentException>(() => Z(3).MaskedFill(Z(2, 3), 0), "masked_fill: mask of shape [2,3] does not broadcast to the tensor's shape [3]");
        Throws<ArgumentException>(() => Z(3).MaskedFill(Z(2), 0), "masked_fill: shapes [3] and [2] cannot be broadcast together");
    }

    [Fact]
    public void ShapeErrorsOfViews()
    {
        Throws<InvalidOperationException>(() => Z(2, 3).Transpose().View(6), "view: a tensor of shape [3,2] with strides [1,3] is not contiguous, so it cannot be viewed as [6]");
        Throws<ArgumentException>(() => Z(2, 3).Reshape(5), "reshape: shape [5] is invalid for a tensor of shape [2,3] (6 elements)");
        Throws<ArgumentException>(() => Z(2, 3).View(4, -1), "view: shape [4,-1] is invalid for a tensor of shape [2,3] (6 elements)");
        Throws<ArgumentException>(() => Z(2, 3).Reshape(-1, -1), "reshape: shape [-1,-1] has more than one −1");
        Throws<ArgumentException>(() => Z(2, 3).Reshape(-2, -3), "reshape: shape [-2,-3] has a negative size");
        Throws<ArgumentException>(() => Z(2, 3).Squeeze(1), "squeeze: dimension 1 of shape [2,3] has size 3, not 1");
        Throws<ArgumentOutOfRangeException>(() => Z(2, 3).Squeeze(2), "squeeze: dimension 2 is out of range for a tensor of rank 2");
        Throws<ArgumentOutOfRangeException>(() => Z(2, 3).Unsqueeze(4), "unsqueeze: dimension 4 is out of range");
        Throws<ArgumentOutOfRangeException>(() => Z(2, 3).Transpose(0, 2), "transpose: dimension 2 is out of range for a tensor of rank 2");
        Throws<ArgumentOutOfRangeException>(() => Z(2, 3).Transpose(-3, 0), "transpose: dimension -3 is out of range for a tensor of rank 2");
        Throws<InvalidOperationException>(() => Z(2, 3, 4).Transpose(), "transpose: needs a 2-D tensor, got shape [2,3,4]");
        Throws<ArgumentException>(() => Z(2, 3, 4).Permute(0, 1), "permute: [0,1] does not list the 3 dimensions of a tensor of shape [2,3,4]");
        Throws<ArgumentException>(() => Z(2, 3, 4).Permute(0, 1, 1), "permute: [0,1,1] is not a permutation of the dimensions of a tensor of shape [2,3,4]");
        Throws<ArgumentException>(() => Z(2, 3, 4).Permute(0, 1, 3), "permute: [0,1,3] is not a permutation");
        Throws<ArgumentException>(() => Z(2, 3).Slice(1, 0, 3, 0), "slice: step must be positive, got 0");
        Throws<ArgumentException>(() => Z(2, 3).Slice(1, 3, 0, -1), "slice: step must be positive, got -1");
        Throws<ArgumentOutOfRangeException>(() => Z(2, 3).Slice(2, 0, 1), "slice: dimension 2 is out of range");
        Throws<ArgumentOutOfRangeException>(() => Z(2, 3).Narrow(1, 2, 2), "narrow: start 2 and length 2 do not fit dimension 1 of size 3 (shape [2,3])");
        Throws<ArgumentOutOfRangeException>(() => Z(2, 3).Narrow(1, -1, 1), "narrow: start -1 and length 1 do not fit dimension 1 of size 3");
        Throws<ArgumentOutOfRangeException>(() => Z(2, 3).Narrow(1, 1, int.MaxValue), "narrow: start 1 and length 2147483647 do not fit dimension 1 of size 3");
        Throws<ArgumentException>(() => Z(2, 3).Expand(4, 3), "expand: shape [2,3] cannot be expanded to [4,3] (dimension 0: 2 vs 4)");
        Throws<ArgumentException>(() => Z(2, 3).Expand(3), "expand: cannot expand shape [2,3] to fewer dimensions [3]");
        Throws<ArgumentException>(() => Z(3).Expand(-1, 3), "expand: size -1 is not allowed for a new leading dimension in [-1,3]");
        Throws<ArgumentException>(() => Z(1).Expand(-2), "expand: shape [1] cannot be expanded to [-2]");
        Throws<InvalidOperationException>(() => Z(2, 3).Transpose().AsSpan(), "as_span: tensor of shape [3,2] with strides [1,3] is not contiguous");
        Throws<ArgumentOutOfRangeException>(() => Z(2, 3).Size(2), "size: dimension 2 is out of range for a tensor of rank 2");
    }

    [Fact]
    public void IndexingErrors()
    {
        Throws<IndexOutOfRangeException>(() => _ = Z(2, 3)[1, 3], "index: index 3 is out of range for dimension 1 of size 3 (shape [2,3])");
        Throws<IndexOutOfRangeException>(() => _ = Z(2, 3)[-3, 0], "index: index -3 is out of range for dimension 0 of size 2 (shape [2,3])");
        Throws<ArgumentException>(() => _ = Z(2, 3)[1], "index: 1 indices given for a tensor of shape [2,3]");
        Throws<InvalidOperationException>(() => Z(2, 3).Item(), "item: a tensor of shape [2,3] has 6 elements, not 1");
        Throws<InvalidOperationException>(() => Z(0).Item(), "item: a tensor of shape [0] has 0 elements, not 1");
        Throws<IndexOutOfRangeException>(() => Z(4, 2).IndexSelect(0, [1, 4]), "index_select: index 4 is out of range for dimension 0 of size 4 (shape [4,2])");
        Throws<IndexOutOfRangeException>(() => Z(4, 2).IndexSelect(1, [-1]), "index_select: index -1 is out of range for dimension 1 of size 2");
        Throws<ArgumentOutOfRangeException>(() => Z(4, 2).IndexSelect(2, [0]), "index_select: dimension 2 is out of range for a tensor of rank 2");
        Throws<IndexOutOfRangeException>(() => Z(4, 2).IndexAdd(0, [7], Z(1, 2)), "index_add: index 7 is out of range for dimension 0 of size 4");
        Throws<ArgumentException>(() => Z(4, 2).IndexAdd(0, [1, 2], Z(3, 2)), "index_add: source of shape [3,2] does not match [2,2] (2 indices into dimension 0 of [4,2])");
    }

    [Fact]
    public void JoiningAndSplittingErrors()
    {
        Throws<ArgumentException>(() => Tensor<float>.Concat([Z(2, 3), Z(2, 4)], 0), "concat: shapes [2,3], [2,4] must match except in dimension 0");
        Throws<ArgumentException>(() => Tensor<float>.Concat([Z(2, 3), Z(3)], 0), "concat: shapes [2,3], [3] must match except in dimension 0");
        Throws<ArgumentException>(() => Tensor<float>.Concat([], 0), "concat: needs at least one tensor");
        Throws<ArgumentOutOfRangeException>(() => Tensor<float>.Concat([Z(2, 3)], 2), "concat: dimension 2 is out of range for a tensor of rank 2");
        Throws<ArgumentException>(() => Tensor<float>.Stack([Z(2, 3), Z(3, 2)], 0), "stack: every tensor must have the same shape, got [2,3], [3,2]");
        Throws<ArgumentException>(() => Tensor<float>.Stack([], 0), "stack: needs at least one tensor");
        Throws<ArgumentOutOfRangeException>(() => Tensor<float>.Stack([Z(2)], 2), "stack: dimension 2 is out of range");
        Throws<ArgumentException>(() => Z(2, 5).Split([2, 2], 1), "split: sizes [2,2] do not add up to dimension 1 of shape [2,5]");
        Throws<ArgumentException>(() => Z(2, 5).Split([6, -1], 1), "split: sizes [6,-1] do not add up to dimension 1 of shape [2,5]");
        Throws<ArgumentException>(() => Z(2, 5).Split(0, 1), "split: piece size must be positive, got 0");
        Throws<ArgumentOutOfRangeException>(() => Z(2, 5).Split(1, 2), "split: dimension 2 is out of range");
    }

    [Fact]
    public void ReductionErrors()
    {
        Throws<ArgumentOutOfRangeException>(() => Z(2, 3).Sum(2), "sum: dimension 2 is out of range for a tensor of rank 2");
        Throws<ArgumentException>(() => Z(2, 3).Sum([1, -1]), "sum: dimension -1 appears twice in [1,-1]");
        Throws<ArgumentOutOfRangeException>(() => Z(2, 3).Max(-3), "max: dimension -3 is out of range");
        Throws<ArgumentOutOfRangeException>(() => Z(2, 3).Min(5), "min: dimension 5 is out of range");
        Throws<ArgumentOutOfRangeException>(() => Z(2, 3).Mean(2), "mean: dimension 2 is out of range");
        Throws<ArgumentOutOfRangeException>(() => Z(2, 3).Variance(2), "variance: dimension 2 is out of range for a tensor of rank 2");
        Throws<ArgumentOutOfRangeException>(() => Z(2, 3).ArgMax(2), "argmax: dimension 2 is out of range");
        Throws<ArgumentException>(() => Z(2, 0).ArgMax(1), "argmax: dimension 1 of shape [2,0] is empty");
        Throws<ArgumentOutOfRangeException>(() => Z(2, 3).Softmax(2), "softmax: dimension 2 is out of range for a tensor of rank 2");
        Throws<ArgumentOutOfRangeException>(() => Z(2, 3).LogSoftmax(-3), "log_softmax: dimension -3 is out of range");
    }

    [Fact]
    public void CreationErrors()
    {
        Throws<ArgumentException>(() => Tensor<float>.Arange(0f, 5f, 0f), "arange: start 0, stop 5 and step 0 must be finite with a non-zero step");
        Throws<ArgumentException>(() => Tensor<double>.Arange(0, double.PositiveInfinity, 1), "arange: start 0, stop Infinity and step 1 must be finite");
        Throws<ArgumentException>(() => Tensor<double>.Arange(0, 1e10, 1), "arange: start 0, stop 10000000000 and step 1 give 10000000000 elements, more than a tensor can hold");
        Throws<ArgumentException>(() => Tensor<float>.Zeros(2, -1), "zeros: shape [2,-1] has a negative size");
        Throws<ArgumentException>(() => Tensor<float>.Empty(-4, 2), "empty: shape [-4,2] has a negative size");
        Throws<ArgumentException>(() => Tensor<float>.Ones(-3), "full: shape [-3] has a negative size");
        Throws<ArgumentException>(() => Tensor<float>.Full([-1], 1), "full: shape [-1] has a negative size");
        Throws<ArgumentException>(() => Tensor<float>.Eye(-2), "eye: shape [-2] has a negative size");
        Throws<ArgumentException>(() => Tensor<float>.FromArray([1, 2, 3], 2, 2), "from_array: 3 values cannot fill shape [2,2] (4 elements)");
        Throws<ArgumentException>(() => Tensor<float>.FromArray([1, 2], -2), "from_array: shape [-2] has a negative size");
        Throws<ArgumentException>(() => Tensor<float>.Randn(new Rng(0), 3, -1), "normal: shape [3,-1] has a negative size");
        Throws<ArgumentException>(() => Tensor<float>.Rand(new Rng(0), -1), "uniform: shape [-1] has a negative size");
        Throws<ArgumentException>(() => Tensor<float>.Uniform(new Rng(0), 2, 1, 3), "uniform: need finite low ≤ high, got low 2 and high 1");
        Throws<ArgumentException>(() => Tensor<float>.Normal(new Rng(0), 0, -1, 3), "normal: need a finite mean and std ≥ 0, got mean 0 and std -1");
        Throws<ArgumentException>(() => Tensor<float>.Zeros(100000, 100000), "zeros: shape [100000,100000] has 10000000000 elements, more than a tensor can hold");
        Throws<ArgumentException>(() => Tensor<float>.Randn(new Rng(0), 65536, 65536), "normal: shape [65536,65536] has 4294967296 elements");
        Throws<ArgumentException>(() => Z(65536, 65536), "zeros: shape [65536,65536] has 4294967296 elements");
        Throws<ArgumentOutOfRangeException>(() => new Rng(0).NextInt(0), "rng: NextInt needs a positive bound, got 0");
        Throws<ArgumentException>(() => new Rng(0).SetState(new RngState(0, 0, 0, 0, null)), "rng: the all-zero state is not a valid xoshiro256** state");
    }
}
