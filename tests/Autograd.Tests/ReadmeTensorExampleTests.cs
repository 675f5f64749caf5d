using System.Globalization;
using System.Text;
using Scratch.Tensors;

namespace Scratch.Autograd.Tests;

/// <summary>
/// Autograd/README.md §12 carries the scalar example over to tensors: a matrix product, a bias broadcast over the
/// rows, and softmax-cross-entropy. The code between the markers is the README's ```csharp block, verbatim
/// (tests/Docs.Tests checks it); these tests run it, check the numbers the README prints and the hand derivation
/// it gives for them.
/// </summary>
public sealed class ReadmeTensorExampleTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Autograd", "README.md"));

    private static (Var<double> X, Var<double> W, Var<double> B, int[] Targets, Var<double> Logits, Var<double> Loss) Run()
    {
        // README §12 begin
        var x = new Var<double>(Tensor<double>.FromArray([1.0, 2.0, 0.0, -1.0], 2, 2));   // a batch: 2 rows of 2 features
        var W = new Var<double>(Tensor<double>.FromArray([0.5, -1.0, 0.0, 1.0, 0.5, -0.5], 2, 3), requiresGrad: true, name: "W");
        var b = new Var<double>(Tensor<double>.FromArray([0.0, 0.5, -0.5], 3), requiresGrad: true, name: "b");
        int[] targets = [1, 0];                              // the right class of each row

        var logits = x.MatMul(W) + b;                        // (2, 2)·(2, 3) → (2, 3); b (3) is added to every row
        var loss = Var<double>.CrossEntropy(logits, targets); // the mean over rows of −log softmax(row)[target]
        loss.Backward();
        // README §12 end
        return (x, W, b, targets, logits, loss);
    }

    /// <summary>The README's ```text block of §12, written from the tensors the example computed.</summary>
    private static string Printout()
    {
        var (_, W, b, _, logits, loss) = Run();
        var p = logits.Value.Softmax(-1);
        var text = new StringBuilder();
        void Matrix(string label, Tensor<double> m)
        {
            var rows = m.Rank == 1 ? m.Reshape(1, m.Size(0)) : m;
            for (int i = 0; i < rows.Size(0); i++)
            {
                var row = Enumerable.Range(0, rows.Size(1)).Select(j => rows[i, j].ToString("F4", CultureInfo.InvariantCulture).PadLeft(8));
                text.Append((i == 0 ? label : "").PadRight(22)).Append('[').Append(string.Join(" ", row)).Append(" ]\n");
            }
        }
        Matrix("logits = x·W + b", logits.Value);
        Matrix("p = softmax(logits)", p);
        text.Append("loss".PadRight(22)).Append(loss.Value.Item().ToString("F4", CultureInfo.InvariantCulture)).Append('\n');
        Matrix("∂L/∂logits", logits.Grad!);
        Matrix("∂L/∂W", W.Grad!);
        Matrix("∂L/∂b", b.Grad!);
        return text.ToString();
    }

    [Fact]
    public void TheReadmePrintsTheNumbersTheExampleComputes()
    {
        Assert.Contains("```text\n" + Printout() + "```", Readme);
    }

    [Fact]
    public void TheGradientsAreTheOnesDerivedByHand()
    {
        var (x, W, b, targets, logits, loss) = Run();
        var p = logits.Value.Softmax(-1);
        int N = targets.Length;

        // loss = (1/N) Σₙ −log pₙ[yₙ]
        Assert.Equal(-(Math.Log(p[0, 1]) + Math.Log(p[1, 0])) / N, loss.Value.Item(), 12);
        // ∂L/∂logits = (p − onehot(y)) / N; each row sums to 0
        var dlogits = logits.Grad!;
        for (int n = 0; n < N; n++)
        {
            for (int v = 0; v < 3; v++)
            {
                Assert.Equal((p[n, v] - (v == targets[n] ? 1 : 0)) / N, dlogits[n, v], 12);
            }
            Assert.Equal(0.0, dlogits[n, 0] + dlogits[n, 1] + dlogits[n, 2], 12);
        }
        // MatMul's rule: ∂L/∂W = xᵀ · ∂L/∂(x·W); the add passes ∂L/∂logits through unchanged
        Assert.True(Tensor<double>.MatMul(x.Value.Transpose(), dlogits).AllClose(W.Grad!, 1e-12, 1e-12));
        // the broadcast undone: ∂L/∂b = Σ over the rows of ∂L/∂logits (SumTo(…, [3]))
        Assert.True(dlogits.Sum(0).AllClose(b.Grad!, 1e-12, 1e-12));
        Assert.Equal([3], b.Grad!.Shape.ToArray());
        // x is data: no gradient
        Assert.Null(x.Grad);
    }

    [Fact]
    public void TheReadmeStatesTheHandDerivation()
    {
        Assert.Contains("∂L/∂logits = (p − onehot(y)) / N", Readme);
        Assert.Contains("∂L/∂W = xᵀ · ∂L/∂logits", Readme);
        Assert.Contains("∂L/∂b = Σₙ ∂L/∂logits[n, :]", Readme);
    }
}
