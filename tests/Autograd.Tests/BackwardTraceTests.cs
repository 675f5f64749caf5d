using Scratch.Tensors;

namespace Scratch.Autograd.Tests;

// BackwardTrace and Var.TraceBackward: the recorded pass must be the real pass (same gradients, every
// contribution heard once), its numbers must be the chain rule's, and its numeric check must pass for right
// rules and name the op whose rule is wrong.
public sealed class BackwardTraceTests
{
    private static Var<double> Scalar(double v, string name, bool requiresGrad = true) =>
        new(Tensor<double>.Scalar(v), requiresGrad, name);

    private static double Item(Tensor<double>? t) => Assert.IsType<Tensor<double>>(t).Item();

    /// <summary>Autograd/README.md's example: h = w1·x + b1, a = h·h, y = w2·a + b2, e = y − t, L = e·e.</summary>
    private static Var<double> ReadmeExample()
    {
        var x = Scalar(2.0, "x", requiresGrad: false);
        var t = Scalar(1.0, "t", requiresGrad: false);
        var w1 = Scalar(0.5, "w1"); var b1 = Scalar(-0.25, "b1");
        var w2 = Scalar(2.0, "w2"); var b2 = Scalar(0.5, "b2");
        var h = w1 * x + b1; h.Name = "h";
        var a = h * h; a.Name = "a";
        var wa = w2 * a; wa.Name = "w2a";
        var y = wa + b2; y.Name = "y";
        var e = y - t; e.Name = "e";
        var L = e * e; L.Name = "L";
        return L;
    }

    [Fact]
    public void Sends_of_a_small_expression_are_the_hand_computed_numbers()
    {
        var trace = ReadmeExample().TraceBackward();

        // By hand: ∂L/∂e = 2e = 1.25, sent as e + e: 0.625 from each use.
        var L = trace["L"];
        Assert.Equal(0, L.Index);
        Assert.Equal(1.0, Item(L.Gradient));
        Assert.Equal([0, 1], L.Sends.Select(s => s.InputPosition));
        Assert.All(L.Sends, s => Assert.Equal(0.625, s.Contribution.Item()));
        Assert.All(L.Sends, s => Assert.Equal(trace["e"].Index, s.ToStep));

        // e = y − t: y gets +1.25; t is data and is sent nothing.
        var e = trace["e"];
        Assert.Equal(1.25, Item(e.Gradient));
        Assert.Equal((trace["y"].Index, 0, 1.25), Assert.Single(e.Sends) is var s1 ? (s1.ToStep, s1.InputPosition, s1.Contribution.Item()) : default);

        // w2a = w2 · a: w2 gets ∂L/∂w2a · a = 1.25 · 0.5625, a gets 1.25 · w2 = 2.5.
        var wa = trace["w2a"];
        Assert.Equal([(trace["w2"].Index, 0, 0.703125), (trace["a"].Index, 1, 2.5)],
            wa.Sends.Select(s => (s.ToStep, s.InputPosition, s.Contribution.Item())));

        // a = h · h: h gets 2.5 · h = 1.875 twice, and ∂L/∂h = 3.75.
        var a = trace["a"];
        Assert.Equal([(trace["h"].Index, 0, 1.875), (trace["h"].Index, 1, 1.875)],
            a.Sends.Select(s => (s.ToStep, s.InputPosition, s.Contribution.Item())));
        Assert.Equal(3.75, Item(trace["h"].Gradient));

        // The leaves: ∂L/∂w1 = 3.75 · x = 7.5, ∂L/∂b1 = 3.75; leaves send nothing.
        Assert.Equal(7.5, Item(trace["w1"].Gradient));
        Assert.Equal(3.75, Item(trace["b1"].Gradient));
        Assert.All(trace.Steps.Where(s => s.IsLeaf), s => Assert.Empty(s.Sends));

        // Data (x, t) is not visited; every other node appears once, each after every node that used it.
        Assert.Equal(11, trace.Steps.Count); // L e y w2a b2 a w2 h mul(w1·x) b1 w1
        Assert.DoesNotContain(trace.Steps, s => s.Name is "x" or "t");
        Assert.All(trace.Steps.SelectMany(s => s.Sends), s => Assert.True(s.ToStep > s.FromStep));
    }

    [Fact]
    public void The_sends_into_a_node_used_twice_add_up_to_its_gradient()
    {
        var a = new Var<double>(Tensor<double>.FromArray([1.0, -2.0, 3.0], 3), requiresGrad: true, name: "a");
        var b = a + a; b.Name = "b";                     // ∂b/∂a = 2 through two sends of ∂L/∂b
        var c = b * a; c.Name = "c";                     // a used a third time
        var L = c.Sum(); L.Name = "L";
        var trace = L.TraceBackward();

        var into = trace.SendsTo(trace["a"]);
        Assert.Equal(3, into.Count);
        Assert.Equal([trace["c"].Index, trace["b"].Index, trace["b"].Index], into.Select(s => s.FromStep));
        Assert.Equal([1, 0, 1], into.Select(s => s.InputPosition));
        // c = 2a·a, so ∂L/∂a = 4a: from c, ∂L/∂c · b = 2a; from b, ∂L/∂b = a, twice.
        var sum = into.Select(s => s.Contribution).Aggregate((x, y) => x + y);
        Assert.Equal([4.0, -8.0, 12.0], sum.ToArray());
        Assert.Equal(sum.ToArray(), trace["a"].Gradient!.ToArray());
        Assert.Equal(a.Grad!.ToArray(), trace["a"].Gradient!.ToArray());
    }

    [Fact]
    public void For_every_computed_node_the_gradient_is_the_sum_of_what_was_sent_to_it_and_equals_its_Grad()
    {
        var (parameters, f) = Mlp(seed: 3, wrongTanh: false);
        Var<double>? output = null;
        var trace = BackwardTrace.Run(() => output = f());
        var nodes = output!.TopologicalOrder();
        nodes.Reverse();
        Assert.Equal(nodes.Count, trace.Steps.Count);
        for (int i = 1; i < trace.Steps.Count; i++)
        {
            var step = trace.Steps[i];
            Assert.Equal(nodes[i].Id, step.NodeId);
            var sum = trace.SendsTo(step).Select(s => s.Contribution).Aggregate((x, y) => x + y);
            Assert.True(sum.AllClose(step.Gradient!, rtol: 1e-14, atol: 0), $"step {i} {step.Describe()}");
            Assert.True(step.Gradient!.AllClose(Contiguous(nodes[i].Grad!), rtol: 1e-14, atol: 0), $"step {i} {step.Describe()}");
        }
        Assert.All(parameters, p => Assert.NotNull(p.Grad));
    }

    private static Tensor<double> Contiguous(Tensor<double> t) => t.Clone();

    /// <summary>
    /// A two-layer MLP on a batch of 4: z1 = x·W1ᵀ + b1 (MatMul and a broadcast add), h1 = tanh(z1),
    /// y = h1·W2ᵀ + b2, L = mean((y − t)²). Its parameters are made outside f (like a model's); with
    /// <paramref name="wrongTanh"/> the tanh is a custom op whose backward rule forgets to square y.
    /// </summary>
    internal static (Var<double>[] Parameters, Func<Var<double>> F) Mlp(ulong seed, bool wrongTanh)
    {
        var rng = new Rng(seed);
        var w1 = new Var<double>(Tensor<double>.Randn(rng, 5, 3), requiresGrad: true, name: "W1");
        var b1 = new Var<double>(Tensor<double>.Randn(rng, 5), requiresGrad: true, name: "b1");
        var w2 = new Var<double>(Tensor<double>.Randn(rng, 2, 5), requiresGrad: true, name: "W2");
        var b2 = new Var<double>(Tensor<double>.Randn(rng, 2), requiresGrad: true, name: "b2");
        var xData = Tensor<double>.Randn(rng, 4, 3);
        var tData = Tensor<double>.Randn(rng, 4, 2);
        Var<double> F()
        {
            var x = new Var<double>(xData, name: "x");
            var t = new Var<double>(tData, name: "t");
            var z1 = x.MatMul(w1.Transpose(0, 1)) + b1; z1.Name = "z1";          // (4,3)·(3,5) + (5) → (4,5)
            var h1 = wrongTanh ? WrongTanh(z1) : z1.Tanh(); h1.Name = "h1";
            var y = h1.MatMul(w2.Transpose(0, 1)) + b2; y.Name = "y";             // (4,5)·(5,2) + (2) → (4,2)
            var d = y - t; d.Name = "d";
            var L = (d * d).Mean(); L.Name = "L";
            return L;
        }
        return ([w1, b1, w2, b2], F);
    }

    /// <summary>y = tanh(x), with a wrong rule on purpose: ∂L/∂x = ∂L/∂y · (1 − y) instead of (1 − y²).</summary>
    internal static Var<double> WrongTanh(Var<double> x)
    {
        var y = x.Value.Tanh();
        return Var<double>.Custom("mytanh", y, [x], dy => [dy * (1.0 - y)]);
    }

    [Fact]
    public void The_numeric_check_passes_for_every_node_of_a_two_layer_MLP()
    {
        var (parameters, f) = Mlp(seed: 1, wrongTanh: false);
        var trace = BackwardTrace.Run(f, checkNumerically: true, maxElementsPerNode: 100);

        Assert.True(trace.Passed, trace.Format());
        Assert.Null(trace.FirstMismatch);
        Assert.Empty(trace.Suspects);
        Assert.All(trace.Steps, s => Assert.NotNull(s.Check));
        Assert.All(trace.Steps, s => Assert.Equal(s.Check!.ElementCount, s.Check.ElementsChecked));
        Assert.Contains(trace.Steps, s => s.Op == "tanh");
        Assert.Contains(trace.Steps, s => s.Op == "matmul");
        Assert.Contains(trace.Steps, s => s.Name == "W1" && s.Check!.ElementsChecked == 15);
        Assert.StartsWith("every checked gradient agrees", trace.Diagnosis);
        Assert.DoesNotContain("MISMATCH", trace.Format());
    }

    [Fact]
    public void A_wrong_backward_rule_fails_the_check_at_its_input_and_is_named_as_the_suspect()
    {
        var (_, f) = Mlp(seed: 1, wrongTanh: true);
        var trace = BackwardTrace.Run(f, checkNumerically: true);

        Assert.False(trace.Passed);
        var first = Assert.IsType<BackwardStep>(trace.FirstMismatch);
        Assert.Equal("z1", first.Name);                                   // the input of the wrong rule
        Assert.All(trace.Steps.Where(s => s.Index < first.Index), s => Assert.True(s.Check!.Passed, s.Describe()));
        var suspect = Assert.Single(trace.Suspects);
        Assert.Equal("mytanh", suspect.Op);
        Assert.Equal("h1", suspect.Name);
        Assert.Contains("first mismatch at step", trace.Diagnosis);
        Assert.Contains("the backward rule of mytanh disagrees with its forward computation", trace.Diagnosis);
        Assert.Contains("numeric check ✘ MISMATCH", trace.Format());
        Assert.DoesNotContain("✗", trace.Format()); // the lessons' mark of a failed claim
    }

    [Fact]
    public void A_trace_leaves_the_same_gradients_as_a_plain_backward()
    {
        var (plainParameters, plainF) = Mlp(seed: 7, wrongTanh: false);
        var (tracedParameters, tracedF) = Mlp(seed: 7, wrongTanh: false);
        var plain = plainF();
        plain.Backward();
        Var<double>? traced = null;
        BackwardTrace.Run(() => { var output = tracedF(); traced ??= output; return output; }, checkNumerically: true); // f runs again for the numeric check

        for (int i = 0; i < plainParameters.Length; i++)
        {
            Assert.Equal(plainParameters[i].Grad!.ToArray(), tracedParameters[i].Grad!.ToArray());  // exactly
            Assert.Equal(plainParameters[i].Value.ToArray(), tracedParameters[i].Value.ToArray());  // nudged values put back
        }
        var plainNodes = plain.TopologicalOrder();
        var tracedNodes = traced!.TopologicalOrder();
        Assert.Equal(plainNodes.Count, tracedNodes.Count);
        for (int i = 0; i < plainNodes.Count; i++)
        {
            Assert.Equal(plainNodes[i].Grad!.ToArray(), tracedNodes[i].Grad!.ToArray());
        }
    }

    [Fact]
    public void Without_a_trace_nothing_is_recorded_and_a_trace_hears_only_its_own_pass()
    {
        var (_, f) = Mlp(seed: 2, wrongTanh: false);
        var trace = f().TraceBackward();
        int steps = trace.Steps.Count, sends = trace.Steps.Sum(s => s.Sends.Count);
        Assert.Null(Var<double>.ActiveRecorder);
        Assert.Null(Var<double>.ActiveProbe);

        f().Backward();                                          // a plain pass afterwards
        Assert.Equal(steps, trace.Steps.Count);
        Assert.Equal(sends, trace.Steps.Sum(s => s.Sends.Count));

        // and after a pass that throws, the thread is not left tracing
        var bad = Var<double>.Custom("bad", Tensor<double>.Scalar(1.0), [Scalar(1.0, "p")], dy => []);
        Assert.Throws<InvalidOperationException>(() => bad.TraceBackward());
        Assert.Null(Var<double>.ActiveRecorder);
        Assert.Throws<InvalidOperationException>(() => BackwardTrace.Run(() => throw new InvalidOperationException("f failed")));
        Assert.Null(Var<double>.ActiveProbe);
    }

    [Fact]
    public void A_slice_backward_that_adds_into_its_block_in_place_is_heard()
    {
        // q, k, v: three slices of one qkv. The second and third slices' backward add into qkv's gradient in place.
        var qkv = new Var<double>(Tensor<double>.Randn(new Rng(5), 2, 6), requiresGrad: true, name: "qkv");
        Var<double> F()
        {
            var q = qkv.Slice(1, 0, 2); var k = qkv.Slice(1, 2, 4); var v = qkv.Slice(1, 4, 6);
            return (q * k + v.Tanh()).Sum();
        }
        var trace = BackwardTrace.Run(F, checkNumerically: true);
        var into = trace.SendsTo(trace["qkv"]);
        Assert.Equal(3, into.Count);
        var sum = into.Select(s => s.Contribution).Aggregate((x, y) => x + y);
        Assert.True(sum.AllClose(trace["qkv"].Gradient!, rtol: 1e-15, atol: 0));
        Assert.True(sum.AllClose(qkv.Grad!, rtol: 1e-15, atol: 0));
        Assert.True(trace.Passed, trace.Format());
    }

    [Fact]
    public void Float_graphs_trace_too()
    {
        var x = new Var<float>(Tensor<float>.FromArray([0.5f, -1f], 2), requiresGrad: true, name: "x");
        var y = (x * x).Sum();
        var trace = y.TraceBackward();
        Assert.False(trace.IsChecked);
        Assert.False(trace.Passed);
        Assert.Equal([1.0, -2.0], trace["x"].Gradient!.ToArray());
        Assert.StartsWith("not checked", trace.Diagnosis);
    }

    [Fact]
    public void Nodes_made_before_f_ran_are_reported_as_not_checkable()
    {
        var w = Scalar(0.3, "w");
        var early = w * w; early.Name = "early";               // an op's result made outside f
        var v = Scalar(0.7, "v");
        var trace = BackwardTrace.Run(() => (early * w * v).Sum(), checkNumerically: true);
        Assert.Null(trace["early"].Check);
        Assert.Null(trace["w"].Check);   // nudging w in place would not reach early, which f does not recompute
        Assert.NotNull(trace["v"].Check); // a leaf only f uses is nudged in place
        Assert.True(trace.Passed, trace.Format());
        Assert.Contains("numeric check: not possible", trace.Format());
        Assert.Equal(0.3, w.Value.Item());
        Assert.Equal(0.7, v.Value.Item());
    }

    [Fact]
    public void A_function_that_is_not_deterministic_is_refused_and_a_tensor_output_too()
    {
        var rng = new Rng(1);
        var p = Scalar(1.0, "p");
        var error = Assert.Throws<InvalidOperationException>(() =>
            BackwardTrace.Run(() => p * new Var<double>(Tensor<double>.Randn(rng)), checkNumerically: true));
        Assert.Contains("same L every time", error.Message);

        var vector = new Var<double>(Tensor<double>.Ones(3), requiresGrad: true);
        Assert.Throws<ArgumentException>(() => BackwardTrace.Run(() => vector * vector));
    }

    [Fact]
    public void The_report_names_each_step_its_arrivals_and_its_sends()
    {
        var text = ReadmeExample().TraceBackward().Format();
        Assert.Contains("step 0  L  mul []  value 0.3906", text);
        Assert.Contains("∂L/∂L arrives (the seed: ∂L/∂L = 1): 1", text);
        Assert.Contains("sends to input 0 (e, sub [], step 1): 0.625", text);
        Assert.Contains("sends to input 1 (e, sub [], step 1): 0.625", text);
        Assert.Contains("∂L/∂e arrives, the sum of 2 contributions: step 0 (L, input 0) + step 0 (L, input 1): 1.25", text);
        Assert.Contains("∂L/∂w1 arrives from step 8 (mul): 7.5", text);
        Assert.Contains("(a leaf: no backward function; the gradient stays here)", text);
    }

    [Fact]
    public void A_matrix_prints_below_its_line_one_row_per_line()
    {
        var w = new Var<double>(Tensor<double>.FromArray([1.0, -2, 3, 4], 2, 2), requiresGrad: true, name: "W");
        var L = (w * w).Sum(); L.Name = "L";
        string text = L.TraceBackward().Format();
        Assert.Contains("step 2  W  leaf [2,2]\n  value:\n      [[ 1, -2],\n       [ 3,  4]]\n", text);
        Assert.Contains("  ∂L/∂W arrives, the sum of 2 contributions: step 1 (mul, input 0) + step 1 (mul, input 1):\n      [[ 2, -4],\n       [ 6,  8]]\n", text);
        Assert.Contains("  sends to input 0 (W, leaf [2,2], step 2):\n      [[ 1, -2],\n       [ 3,  4]]\n", text);
        Assert.Contains("step 0  L  sum []  value 30\n", text);
    }

    [Fact]
    public void One_step_prints_as_its_block_of_the_report()
    {
        var trace = ReadmeExample().TraceBackward();
        string block = trace.Format(trace["a"]);
        Assert.StartsWith("step 5  a  mul []  value 0.5625\n", block);
        Assert.Contains("\n\n" + block, trace.Format());
        var other = ReadmeExample().TraceBackward();
        Assert.Throws<ArgumentException>(() => trace.Format(other["a"] with { Index = 5 }));
    }

    [Fact]
    public void Large_tensors_print_as_a_summary_and_small_ones_in_full()
    {
        Assert.Equal("[[ 1, -2],\n [30,  4]]", TraceText.Tensor(Tensor<double>.FromArray([1.0, -2, 30, 4], 2, 2), 8));
        Assert.Equal("[[1, 2, 3]]", TraceText.Tensor(Tensor<double>.FromArray([1.0, 2, 3], 1, 3), 8));
        Assert.Equal("[[[1, 2], [3, 4]]]", TraceText.Tensor(Tensor<double>.FromArray([1.0, 2, 3, 4], 1, 2, 2), 8));
        Assert.Equal("[0.5, -1]", TraceText.Tensor(Tensor<double>.FromArray([0.5, -1.0], 2), 8));
        Assert.Equal("[3,4] tensor, ‖·‖ 22.49, mean 5.5, first 0, 1, 2, 3, …", TraceText.Tensor(Tensor<double>.Arange(12).Reshape(3, 4), 8));
        Assert.Equal([0, 3, 6, 9], NumericPass.Spread(10, 4));
        Assert.Equal([0, 1, 2], NumericPass.Spread(3, 32));
        Assert.Equal("1.5e-9", TraceText.Number(1.5e-9));
        Assert.Equal("-2.5e+12", TraceText.Number(-2.5e12));
        Assert.Equal("0.0001234", TraceText.Number(1.234e-4));
    }
}
