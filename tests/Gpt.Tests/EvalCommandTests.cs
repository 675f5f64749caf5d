using System.Globalization;
using Scratch.Autograd;
using Scratch.Gpt.Data;
using Scratch.Gpt.Training;
using Scratch.Tensors;

namespace Scratch.Gpt.Tests;

/// <summary><c>scratch eval --all</c> is the exact mean loss over the split's windows, and deterministic.</summary>
public sealed class EvalCommandTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public void EvalAllEqualsAHandLoopOverEveryWindow()
    {
        var outDir = Path.Combine(cli.Dir, "out");
        cli.Train(outDir, "--max-iters", "10", "--eval-interval", "10");
        var (code, output, err) = CliRunner.Run("eval", "--ckpt", outDir, "--data", cli.Corpus, "--all", "--batch-size", "5");
        Assert.True(code == 0, err);
        var printed = double.Parse(output.Trim()["val loss: ".Length..], CultureInfo.InvariantCulture);
        Assert.Equal(output, CliRunner.Run("eval", "--ckpt", outDir, "--data", cli.Corpus, "--all", "--batch-size", "7").Out);

        // By hand: one window at a time, s = 0, T, 2T, … while s + T + 1 ≤ N; the mean over all target tokens.
        var (model, tokenizer) = Checkpoint.LoadModel(outDir, new Rng(0));
        model.Eval();
        var d = TokenData.FromText(File.ReadAllText(cli.Corpus), tokenizer).Val.ToArray();
        int T = model.Config.BlockSize;
        double sum = 0;
        int count = 0;
        using (GradMode.NoGrad())
        {
            for (int s = 0; s + T + 1 <= d.Length; s += T)
            {
                var logits = model.Forward(d[s..(s + T)], 1, T).Value; // (1, T, V)
                for (int t = 0; t < T; t++)
                {
                    var row = Enumerable.Range(0, model.Config.VocabSize).Select(v => (double)logits[0, t, v]).ToArray();
                    double max = row.Max();
                    double logSumExp = max + Math.Log(row.Sum(z => Math.Exp(z - max)));
                    sum += logSumExp - row[d[s + t + 1]]; // −log softmax(logits)[target]
                    count++;
                }
            }
        }
        Assert.Equal(sum / count, printed, 4); // printed with five decimals
        Assert.Equal(sum / count, LossEstimator.Exact(model, d, 5), 5);
    }
}
