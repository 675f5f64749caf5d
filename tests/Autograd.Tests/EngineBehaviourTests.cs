using Scratch.Tensors;

namespace Scratch.Autograd.Tests;

// What the engine promises, one behaviour per test: accumulation, ordering, depth, no-grad, ZeroGrad,
// Detach, repeated Backward, shared gradients never written in place, error messages, anomaly mode and
// GradCheck's report. Only simple ops are used (add, sub, mul, neg, sum, slice), plus test-only ops made
// with Var.Record (internal, visible to this project).
public sealed class EngineBehaviourTests
{
    private static Var<double> Leaf(double value, string? name = null) =>
        new(Tensor<double>.Scalar(value), requiresGrad: true, name);

    private static Var<double> Leaf(double[] data, int[] shape, string? name = null) =>
        new(Tensor<double>.FromArray(data, shape), requiresGrad: true, name);

    private static Var<double> Constant(double[] data, params int[] shape) =>
        new(Tensor<double>.FromArray(data, shape));

    /// <summary>An identity op that counts how often its backward function runs.</summary>
    private static Var<double> CountingIdentity(Var<double> x, Action onBackward) =>
        Var<double>.Record("counting_identity", x.Value.Clone(), [x], dy =>
        {
            onBackward();
            x.AccumulateGrad(dy);
        });

    [Fact]
    public void DiamondGraphAccumulatesBothBranchesAndRunsEachBackwardOnce()
    {
        // x → y → (a = y·w, b = y + w) → z = a·b. Both branches reach y, so y's backward must wait for both.
        var x = Leaf(3.0, "x");
        var w = Leaf(2.0, "w");
        int calls = 0;
        var y = CountingIdentity(x, () => calls++);
        var a = y * w;
        var b = y + w;
        var z = a * b; // z = x·w·(x + w) = x²w + xw²

        z.Backward();

        Assert.Equal(30.0, z.Value.Item());                   // 9·2 + 3·4
        Assert.Equal(2 * 3.0 * 2.0 + 2.0 * 2.0, x.Grad!.Item()); // ∂z/∂x = 2xw + w² = 16
        Assert.Equal(3.0 * 3.0 + 2 * 3.0 * 2.0, w.Grad!.Item()); // ∂z/∂w = x² + 2xw = 21
        Assert.Equal(16.0, y.Grad!.Item());                  // both branches' contributions, summed
        Assert.Equal(1, calls);                              // y's backward ran once, after both arrived
    }

    /// <summary>
    /// The walk's last turn, order[0], is always a leaf's, so it runs no backward function: the search emits a node
    /// only after every input of it that needs a gradient, so the first node emitted has no such input, and an op's
    /// result always has one (without one, Record returns a plain leaf). Skipping that turn (i &gt; 0 for i ≥ 0 in
    /// Backward's loop) would leave every gradient as it is; the turn is taken so that TraceBackward lists every
    /// node, and the trace is the check: its last step is order[0].
    /// </summary>
    [Fact]
    public void TheLastTurnIsALeafsAndTheTraceListsIt()
    {
        var (x, w) = (Leaf(3.0, "x"), Leaf(2.0, "w"));
        var data = new Var<double>(Tensor<double>.Scalar(5.0), name: "data");
        Var<double>[] outputs = [x * w + data, data * (w - x) * x, -w, (x + x) * (x * w), w];
        foreach (var output in outputs)
        {
            var order = output.TopologicalOrder();
            Assert.True(order[0].IsLeaf, $"{output}: order[0] is {order[0]}");
            var trace = output.TraceBackward();
            Assert.Equal(order.Count, trace.Steps.Count);
            Assert.Equal(order[0].Id, trace.Steps[^1].NodeId);
        }
    }

    [Fact]
    public void DeepChainOfOneHundredThousandOpsDoesNotOverflowTheStack()
    {
        // y = −(−(…−x…)) with 100,000 negations, then one more multiply: dy/dx = (−1)^100000 · 2 = 2.
        var x = Leaf(1.5, "x");
        var y = x;
        for (int i = 0; i < 100_000; i++)
        {
            y = -y;
        }
        var z = y * Leaf(2.0);

        z.Backward();

        Assert.Equal(3.0, z.Value.Item());
        Assert.Equal(2.0, x.Grad!.Item());
        Assert.Equal(100_003, z.TopologicalOrder().Count); // x, 100,000 negs, the 2, the mul
    }

    [Fact]
    public void NoGradRecordsNothing()
    {
        var x = Leaf(3.0, "x");
        var w = Leaf(2.0, "w");
        Var<double> y;
        using (GradMode.NoGrad())
        {
            Assert.False(GradMode.IsEnabled);
            y = x * w + x;
        }

        Assert.True(GradMode.IsEnabled);
        Assert.Equal(9.0, y.Value.Item());
        Assert.Empty(y.Parents);
        Assert.False(y.RequiresGrad);
        Assert.True(y.IsLeaf);
        var error = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("does not require a gradient", error.Message);
        Assert.Contains("no-grad", error.Message);
        Assert.Null(x.Grad);
        Assert.Null(w.Grad);
    }

    [Fact]
    public void NestedNoGradScopesRestoreTheOuterState()
    {
        var x = Leaf(1.0);
        var outer = GradMode.NoGrad();
        var inner = GradMode.NoGrad();
        Assert.False(GradMode.IsEnabled);
        inner.Dispose();
        Assert.False(GradMode.IsEnabled);           // still inside the outer scope
        Assert.False((x + x).RequiresGrad);
        inner.Dispose();                             // disposing twice must not leave the outer scope early
        Assert.False(GradMode.IsEnabled);
        outer.Dispose();
        Assert.True(GradMode.IsEnabled);
        Assert.True((x + x).RequiresGrad);
    }

    [Fact]
    public void ZeroGradClearsTheGradient()
    {
        var x = Leaf(3.0);
        var y = x * x;
        y.Backward();
        Assert.Equal(6.0, x.Grad!.Item());

        x.ZeroGrad();
        Assert.Null(x.Grad);

        (x * x * x).Backward(); // a fresh step starts from zero: 3x² = 27, not 27 + 6
        Assert.Equal(27.0, x.Grad!.Item());
    }

    [Fact]
    public void DetachCutsTheGraph()
    {
        var x = Leaf(3.0, "x");
        var w = Leaf(2.0, "w");
        var d = (x * w).Detach();

        Assert.True(d.IsLeaf);
        Assert.Empty(d.Parents);
        Assert.False(d.RequiresGrad);
        Assert.Equal(6.0, d.Value.Item());

        var z = d * x; // z = 6·x as far as the graph knows: d is a constant
        z.Backward();
        Assert.Equal(6.0, x.Grad!.Item());
        Assert.Null(w.Grad);
        Assert.Null(d.Grad);
    }

    [Fact]
    public void SecondBackwardAddsTheLeafGradientsAgainExactlyOnce()
    {
        // Var.Backward's promise (like PyTorch with retain_graph=True): computed nodes' gradients are rebuilt
        // from scratch by every pass; leaves keep what they hold and receive the gradient once more (+=).
        var x = Leaf([1.0, 2.0], [2], "x");
        var h = x * x;                             // computed node
        var y = h + x;                             // ∂y/∂x = 2x + 1 = [3, 5]
        var upstream = Tensor<double>.FromArray([1.0, 10.0], 2);

        y.Backward(upstream);
        Assert.Equal([3.0, 50.0], x.Grad!.ToArray());
        Assert.Equal([1.0, 10.0], h.Grad!.ToArray());

        y.Backward(upstream);
        Assert.Equal([6.0, 100.0], x.Grad!.ToArray()); // the leaf: twice the gradient, not three times
        Assert.Equal([1.0, 10.0], h.Grad!.ToArray());  // the computed node: the same as after one pass
    }

    /// <summary>An input that needs no gradient (a frozen weight, data) is sent none: its Grad stays null.</summary>
    [Fact]
    public void AFrozenInputOfAFusedOpReceivesNoGradient()
    {
        var x = Leaf([1.0, 2.0, 4.0, 3.0, 0.0, -1.0], [2, 3], "x");
        var (w, b) = (Constant([1.0, 2.0, 3.0], 3), Constant([0.5, 0.0, -0.5], 3));
        Var<double>.LayerNorm(x, w, b).Sum().Backward();
        Assert.NotNull(x.Grad);
        Assert.Null(w.Grad);
        Assert.Null(b.Grad);

        var bias = Leaf([0.5, 0.0, -0.5], [3], "bias"); // the only input that needs a gradient: ∂L/∂b = Σ_rows dy
        Var<double>.LayerNorm(Constant([1.0, 2.0, 4.0, 3.0, 0.0, -1.0], 2, 3), w, bias).Sum().Backward();
        Assert.Equal([2.0, 2.0, 2.0], bias.Grad!.ToArray());

        var q = Leaf([1.0, 0.0, 0.5, 2.0], [1, 1, 2, 2], "q");
        var (k, v) = (Constant([1.0, 1.0, 0.0, 2.0], 1, 1, 2, 2), Constant([3.0, 1.0, 2.0, 0.0], 1, 1, 2, 2));
        Var<double>.CausalSelfAttention(q, k, v).Sum().Backward();
        Assert.NotNull(q.Grad);
        Assert.Null(k.Grad);
        Assert.Null(v.Grad);
    }

    /// <summary>Only a backward pass hands out gradients; a rule that sends one of the wrong shape is named with both shapes.</summary>
    [Fact]
    public void AGradientOutsideABackwardPassOrOfTheWrongShapeIsRefused()
    {
        var w = Leaf([1.0, 2.0, 3.0], [3], "w");
        (w * w).Sum().Backward(); // a pass has ended on this thread: it must not be left open
        var outside = Assert.Throws<InvalidOperationException>(() => w.AccumulateGrad(Tensor<double>.Ones(3)));
        Assert.Equal("accumulate_grad: w leaf [3] was sent a gradient outside a backward pass", outside.Message);

        (Func<Tensor<double>, Tensor<double>> Rule, (int, int)? Block, string Message)[] wrong =
        [
            (dy => Tensor<double>.Ones(2), null, "backward: w leaf [3] was sent a gradient of shape [2], which does not fit its value's shape [3]"),
            (dy => Tensor<double>.Ones(2), (0, 2), "backward: w leaf [3] was sent a gradient of shape [2] for its block at 2 along dimension 0, which does not fit its value's shape [3]"),
            (dy => Tensor<double>.Ones(2, 1), (0, 0), "backward: w leaf [3] was sent a gradient of shape [2,1] for its block at 0 along dimension 0, which does not fit its value's shape [3]"),
        ];
        foreach (var (rule, block, message) in wrong)
        {
            var y = Var<double>.Record("bad_rule", w.Value.Clone(), [w], dy => w.AccumulateGrad(rule(dy), block));
            Assert.Equal(message, Assert.Throws<InvalidOperationException>(() => y.Sum().Backward()).Message);
        }
        var m = Leaf([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [3, 2], "m"); // a block of rows must match m's other dimensions
        var rows = Var<double>.Record("bad_rows", m.Value.Clone(), [m], dy => m.AccumulateGrad(Tensor<double>.Ones(1, 3), (0, 0)));
        Assert.Equal("backward: m leaf [3,2] was sent a gradient of shape [1,3] for its block at 0 along dimension 0, which does not fit its value's shape [3,2]",
            Assert.Throws<InvalidOperationException>(() => rows.Sum().Backward()).Message);

        // the blocks that fit: [0, 2) and [1, 3) of w's 3 elements
        var fits = Var<double>.Record("two_blocks", w.Value.Clone(), [w], dy =>
        {
            w.AccumulateGrad(Tensor<double>.FromArray([1.0, 2.0], 2), (0, 0));
            w.AccumulateGrad(Tensor<double>.FromArray([10.0, 20.0], 2), (0, 1));
        });
        w.ZeroGrad();
        fits.Sum().Backward();
        Assert.Equal([1.0, 12.0, 20.0], w.Grad!.ToArray());
    }

    // Copy on write: a node's first gradient may be the very tensor another node holds (a + b hands ∂L/∂y to
    // both, a reshape hands on a view). These tests fail if a shared gradient is ever written in place.

    [Fact]
    public void TwoLeavesOfOneAddGetGradientsOfTheirOwn()
    {
        var a = Leaf([1.0, 2.0], [2], "a");
        var b = Leaf([3.0, 4.0], [2], "b");
        (a + b).Sum().Backward();

        Assert.NotSame(a.Grad, b.Grad);
        a.Grad!.AddInPlace(Tensor<double>.Ones(2)); // what an optimiser or gradient clipping does to a leaf
        Assert.Equal([1.0, 1.0], b.Grad!.ToArray());
    }

    [Fact]
    public void ASecondContributionMakesANewTensorInsteadOfWritingTheSharedOne()
    {
        // y = n + n hands the same ∂L/∂y to n twice: n's gradient becomes 2·∂L/∂y, ∂L/∂y itself stays 1.
        var a = Leaf([1.0, 2.0], [2], "a");
        var n = a * Constant([3.0, 3.0], 2);
        var y = n + n;
        y.Backward(Tensor<double>.Ones(2));

        Assert.Equal([1.0, 1.0], y.Grad!.ToArray());
        Assert.Equal([2.0, 2.0], n.Grad!.ToArray());
        Assert.Equal([6.0, 6.0], a.Grad!.ToArray());
    }

    [Fact]
    public void ASliceAddsIntoItsBlockOfACopyNotOfTheGradientItBorrowed()
    {
        // n gets ∂L/∂y = 1 from y = n + c (the very tensor y holds), then the slice adds 2 into n[0:2].
        var a = Leaf([1.0, 2.0, 3.0], [3], "a");
        var n = a * Constant([1.0, 1.0, 1.0], 3);
        var y = n + Constant([0.0, 0.0, 0.0], 3);
        var loss = n.Slice(0, 0, 2).Sum() * 2.0 + (y * Constant([1.0, 1.0, 1.0], 3)).Sum(); // in this order y's backward runs first
        loss.Backward();

        Assert.Equal([1.0, 1.0, 1.0], y.Grad!.ToArray());
        Assert.Equal([3.0, 3.0, 1.0], n.Grad!.ToArray());
        Assert.Equal([3.0, 3.0, 1.0], a.Grad!.ToArray());
    }

    [Fact]
    public void ASliceBlockHandedOnIsNotWrittenByALaterContribution()
    {
        // x's gradient is made by its slice (zeros around a block), and x's backward (a reshape) hands p a view of it
        // as p's first contribution; p's second contribution must then make a new tensor, not add into x's gradient.
        var p = Leaf([1.0, 2.0, 3.0], [3], "p");
        var x = p.Reshape(3);
        var loss = (p * Constant([10.0, 20.0, 30.0], 3)).Sum() + x.Slice(0, 0, 2).Sum(); // in this order x's backward runs first
        loss.Backward();

        Assert.Equal([1.0, 1.0, 0.0], x.Grad!.ToArray());
        Assert.Equal([11.0, 21.0, 30.0], p.Grad!.ToArray());
    }

    /// <summary>
    /// The other half of copy on write: a gradient that one node alone holds is added to in place, not copied. Two
    /// contributions to w end in the tensor of the first; a second pass adds into the leaf's gradient of the first.
    /// </summary>
    [Fact]
    public void AGradientOneNodeHoldsIsAddedToInPlace()
    {
        var w = Leaf([1.0, 2.0], [2], "w");
        var sent = new List<Tensor<double>>();
        Var<double> Scale(double c) => Var<double>.Record("scale", w.Value * c, [w], dy =>
        {
            var contribution = dy * c;
            sent.Add(contribution);
            w.AccumulateGrad(contribution);
        });
        (Scale(2.0).Sum() + Scale(3.0).Sum()).Backward();
        Assert.Equal([5.0, 5.0], w.Grad!.ToArray());
        Assert.Same(sent[0].Storage, w.Grad.Storage); // the second contribution was added into the first

        var afterFirstPass = w.Grad;
        (w * Constant([4.0, 4.0], 2)).Sum().Backward();
        Assert.Equal([9.0, 9.0], w.Grad!.ToArray());
        Assert.Same(afterFirstPass.Storage, w.Grad.Storage); // the leaf's gradient from the earlier pass, added into
    }

    [Fact]
    public void AHandedOverGradientThatIsAStridedViewIsAddedNotWrittenInto()
    {
        // n first borrows ∂L/∂y from y = n + 0, then an op hands over a fresh gradient that is a transposed
        // view (it cannot be written in place): n's gradient is the sum, and y's is left as it was.
        var a = Leaf([1.0, 2.0, 3.0, 4.0], [2, 2], "a");
        var n = a * Constant([1.0, 1.0, 1.0, 1.0], 2, 2);
        var y = n + Constant([0.0, 0.0, 0.0, 0.0], 2, 2);
        var t = Var<double>.Record("transpose_of_fresh", n.Value.Transpose(0, 1).Contiguous(), [n],
            dt => n.AccumulateGrad(dt.Clone().Transpose(0, 1)));
        var loss = (t * Constant([10.0, 20.0, 30.0, 40.0], 2, 2)).Sum() + (y * Constant([1.0, 2.0, 3.0, 4.0], 2, 2)).Sum();
        loss.Backward();

        Assert.Equal([1.0, 2.0, 3.0, 4.0], y.Grad!.ToArray());
        Assert.Equal([11.0, 32.0, 23.0, 44.0], n.Grad!.ToArray()); // [1 2; 3 4] + [10 20; 30 40]ᵀ
    }

    [Fact]
    public void AFreshTensorHandedToTwoNodesIsWrittenInPlaceByNeither()
    {
        // An op hands one tensor it has just made to both n1 and n2; then each gets a second contribution (the
        // op's sum is last in the loss, so its backward runs first). Both hold the tensor, so neither may add
        // its second contribution into it.
        var a = Leaf([1.0, 2.0], [2], "a");
        var n1 = a * Constant([1.0, 1.0], 2);
        var n2 = a * Constant([1.0, 1.0], 2);
        var both = Var<double>.Record("to_both", n1.Value + n2.Value, [n1, n2], dy =>
        {
            var g = dy * 2.0; // fresh: nobody holds it yet
            n1.AccumulateGrad(g);
            n2.AccumulateGrad(g);
        });
        var loss = (n1 * Constant([10.0, 10.0], 2)).Sum() + (n2 * Constant([100.0, 100.0], 2)).Sum() + both.Sum();
        loss.Backward();

        Assert.Equal([12.0, 12.0], n1.Grad!.ToArray());
        Assert.Equal([102.0, 102.0], n2.Grad!.ToArray());
        Assert.Equal([114.0, 114.0], a.Grad!.ToArray());
    }

    [Fact]
    public void ACustomOpMayReturnATensorItKeeps()
    {
        var kept = Tensor<double>.FromArray([5.0, 5.0], [2]);
        var a = Leaf([1.0, 2.0], [2], "a");
        var y = Var<double>.Custom("keeps", a.Value.Clone(), [a], _ => [kept]);
        ((a * Constant([1.0, 1.0], 2)).Sum() + y.Sum()).Backward(); // the custom op's backward runs first
        a.Grad!.AddInPlace(Tensor<double>.Ones(2)); // what an optimiser does to a leaf's gradient

        Assert.Equal([7.0, 7.0], a.Grad.ToArray());
        Assert.Equal([5.0, 5.0], kept.ToArray());
    }

    [Fact]
    public void ALeafGradientFromAnEarlierPassIsAddedToAndStaysTheLeafsOwn()
    {
        // Two passes without ZeroGrad: the second adds into the leaf's gradient; the leaves of a + b keep
        // separate tensors through both passes.
        var a = Leaf([1.0, 2.0], [2], "a");
        var b = Leaf([3.0, 4.0], [2], "b");
        (a + b).Sum().Backward();
        (a + b).Sum().Backward();
        a.Grad!.AddInPlace(Tensor<double>.Ones(2));

        Assert.Equal([3.0, 3.0], a.Grad.ToArray());
        Assert.Equal([2.0, 2.0], b.Grad!.ToArray());
    }

    [Fact]
    public void BackwardKeepsACopyOfTheCallersGradient()
    {
        var a = Leaf([1.0, 2.0], [2], "a");
        var seed = Tensor<double>.FromArray([1.0, 1.0], [2]);
        a.Backward(seed);
        seed.AddInPlace(seed);

        Assert.Equal([1.0, 1.0], a.Grad!.ToArray());
    }

    [Fact]
    public void BackwardOnANonScalarWithoutAGradientNamesTheShape()
    {
        var x = Leaf([1, 2, 3, 4, 5, 6], [2, 3]);
        var y = x * x;
        var error = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("[2,3]", error.Message);
        Assert.Contains("backward", error.Message);
    }

    [Fact]
    public void BackwardWithAGradientOfTheWrongShapeNamesBothShapes()
    {
        var y = Leaf([1, 2, 3, 4, 5, 6], [2, 3]) * Leaf(2.0);
        var error = Assert.Throws<ArgumentException>(() => y.Backward(Tensor<double>.Ones(3, 2)));
        Assert.Contains("[3,2]", error.Message);
        Assert.Contains("[2,3]", error.Message);
    }

    [Fact]
    public void AnomalyModeNamesTheOpThatOverflowedItsInputsAndThePath()
    {
        // p·q + r is finite; multiplying by 1e308 overflows to +Inf in the second mul.
        var p = Leaf([1, 2, 3, 4, 5, 6], [2, 3], "p");
        var q = Leaf([1, 1, 1], [3], "q");
        var r = Leaf(0.5, "r");
        var big = Constant([1e308, 1e308, 1e308], 1, 3);
        using var _ = GradMode.DetectAnomaly();

        var h = p * q + r;
        var error = Assert.Throws<AnomalyException>(() => h * big);

        Assert.StartsWith("anomaly: mul produced +Inf at element 1 of its output [2,3]", error.Message);
        Assert.Contains("inputs: add [2,3], leaf [1,3]", error.Message);
        Assert.Contains("where: mul ← add ← mul ← leaf 'p' [2,3]", error.Message);
    }

    [Fact]
    public void AnomalyModeNamesTheSubThatMadeNaNFromInfinities()
    {
        // Leaves are not checked (they are the user's data); the first op to produce NaN is: ∞ − ∞.
        var a = Leaf([1.0, double.PositiveInfinity], [2], "a");
        var b = Leaf([0.5, double.PositiveInfinity], [2], "b");
        using var _ = GradMode.DetectAnomaly();

        var error = Assert.Throws<AnomalyException>(() => a - b);

        Assert.StartsWith("anomaly: sub produced NaN at element 1 of its output [2]", error.Message);
        Assert.Contains("inputs: a leaf [2], b leaf [2]", error.Message);
        Assert.Contains("where: sub ← leaf 'a' [2]", error.Message);
    }

    [Fact]
    public void AnomalyModeInBackwardNamesTheBackwardOp()
    {
        // y = x − (−x) = 2x is finite; with upstream 1e308, sub's backward sends 1e308 to x and neg's
        // backward adds another 1e308: the sum overflows to +Inf in neg's backward.
        var x = Leaf([1.0], [1], "x");
        var y = x - (-x);
        using var _ = GradMode.DetectAnomaly();

        var error = Assert.Throws<AnomalyException>(() => y.Backward(Tensor<double>.FromArray([1e308], 1)));

        Assert.StartsWith("anomaly: backward of neg sent +Inf to the gradient of input 0 (x leaf [1]) at element 0", error.Message);
        Assert.Contains("where: neg ← leaf 'x' [1]", error.Message);
    }

    [Fact]
    public void OutsideAnomalyModeNonFiniteValuesPassSilently()
    {
        Assert.False(GradMode.IsAnomalyDetectionEnabled);
        var a = Leaf([1.0, double.PositiveInfinity], [2], "a");
        var b = Leaf([0.5, double.PositiveInfinity], [2], "b");
        var d = a - b;
        Assert.Equal(0.5, d.Value[0]);
        Assert.True(double.IsNaN(d.Value[1]));

        var x = Leaf([1.0], [1], "x");
        var y = x - (-x);
        y.Backward(Tensor<double>.FromArray([1e308], 1));
        Assert.True(double.IsPositiveInfinity(x.Grad![0]));
    }

    [Fact]
    public void AnomalyScopeEndsWithItsUsingBlock()
    {
        using (GradMode.DetectAnomaly())
        {
            using (GradMode.DetectAnomaly())
            {
                Assert.True(GradMode.IsAnomalyDetectionEnabled);
            }
            Assert.True(GradMode.IsAnomalyDetectionEnabled);
        }
        Assert.False(GradMode.IsAnomalyDetectionEnabled);
    }

    /// <summary>
    /// A deliberately wrong op: L = Σa² + Σb², whose backward is right for a and for b except at b[1,2],
    /// where it adds 0.5 too much (and 0.001 too much at b[0,0], a smaller error that must not be reported).
    /// </summary>
    private static Var<double> WrongSumOfSquares(Var<double> a, Var<double> b)
    {
        var value = (a.Value * a.Value).Sum() + (b.Value * b.Value).Sum();
        var bump = Tensor<double>.Zeros(2, 3);
        bump.AsSpan()[5] = 0.5;   // b[1,2]
        bump.AsSpan()[0] = 0.001; // b[0,0]
        return Var<double>.Record("wrong_sum_of_squares", value, [a, b], dy =>
        {
            a.AccumulateGrad(2.0 * a.Value * dy);
            b.AccumulateGrad(2.0 * b.Value * dy + bump);
        });
    }

    [Fact]
    public void GradCheckReportsTheWorstElementOfAWrongGradient()
    {
        var a = Tensor<double>.FromArray([0.3, -1.2, 2.0], 3);
        var b = Tensor<double>.FromArray([1.0, -0.5, 0.25, 1.5, -2.0, 0.75], 2, 3);

        var result = GradCheck.Run(x => WrongSumOfSquares(x[0], x[1]), [a, b]);

        Assert.False(result.Passed(1e-6));
        Assert.Equal(1, result.InputIndex);
        Assert.Equal([1, 2], result.Index);
        Assert.Equal(9, result.ElementsChecked);
        Assert.Equal(2 * 0.75 + 0.5, result.Analytic, 12);
        Assert.Equal(2 * 0.75, result.Numeric, 6);
        Assert.Equal(0.5 / 2.0, result.RelativeError, 6); // |a − n| / max(|a|, |n|) = 0.5 / 2
    }

    [Fact]
    public void GradCheckPassesTheSameOpWithoutTheBug()
    {
        var b = Tensor<double>.FromArray([1.0, -0.5, 0.25, 1.5, -2.0, 0.75], 2, 3);
        var result = GradCheck.Run(x => x[0] * x[0] * x[0] - x[0], [b]);
        Assert.True(result.Passed(1e-6), result.ToString());
    }

    [Fact]
    public void GradCheckResultToStringPrintsIndexAnalyticNumericAndError()
    {
        var a = Tensor<double>.FromArray([0.3, -1.2, 2.0], 3);
        var b = Tensor<double>.FromArray([1.0, -0.5, 0.25, 1.5, -2.0, 0.75], 2, 3);
        var result = GradCheck.Run(x => WrongSumOfSquares(x[0], x[1]), [a, b]);

        string text = result.ToString();

        Assert.StartsWith("gradcheck: worst relative error 2.5e-1 at input 1 index [1,2] (analytic 2, numeric ", text);
        Assert.Contains($"numeric {result.Numeric:G10}", text);
        Assert.EndsWith("over 9 elements", text);
        Assert.Equal("gradcheck: no elements to check", new GradCheckResult(-1, [], 0, 0, 0, 0).ToString());
    }
}
