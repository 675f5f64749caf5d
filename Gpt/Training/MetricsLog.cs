using System.Text.Json.Nodes;

namespace Scratch.Gpt.Training;

/// <summary>
/// A JSON-lines metrics file: one object per training iteration, appended and flushed as it happens, so a
/// plot or a test can read it while training runs. Keys: <c>iter</c>, <c>loss</c>, <c>lr</c>, <c>ms</c>, and at
/// evaluations <c>train_loss</c> and <c>val_loss</c> (the final evaluation, after the last step, has no step:
/// only <c>iter</c>, <c>lr</c> and the two eval losses). Numbers are written so that they read back exactly.
/// <para>
/// On the steps a <see cref="TrainingWatch"/> measured (<see cref="TrainOptions.StatsInterval"/>), the line also has
/// <c>grad_norm</c> (the global norm before clipping) and, for every parameter p by its nanoGPT name,
/// <c>grad_norm/p</c> (‖g_p‖ before clipping), <c>update_ratio/p</c> (‖Δw_p‖ / ‖w_p‖, null where ‖w_p‖ = 0) and
/// <c>weight_norm/p</c> (‖w_p‖ before the step, so that groups of parameters can be combined: ‖Δw_p‖ = ratio · ‖w_p‖):
/// TensorBoard-style tags.
/// </para>
/// </summary>
public sealed class MetricsLog : IDisposable
{
    private readonly StreamWriter writer;

    /// <summary>Opens <paramref name="path"/> for appending (a resumed run continues the same file).</summary>
    public MetricsLog(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }
        writer = new StreamWriter(path, append: true);
    }

    /// <summary>Appends one line.</summary>
    public void Write(int iteration, double? loss, double lr, double? ms, EvalPoint? eval, TrainingStats? stats = null)
    {
        var line = new JsonObject { ["iter"] = iteration };
        if (loss is { } l)
        {
            line["loss"] = l;
        }
        line["lr"] = lr;
        if (ms is { } m)
        {
            line["ms"] = Math.Round(m, 3);
        }
        if (eval is not null)
        {
            line["train_loss"] = eval.TrainLoss;
            line["val_loss"] = eval.ValLoss;
        }
        if (stats is not null)
        {
            line["grad_norm"] = stats.GradNorm;
            foreach (var p in stats.Parameters)
            {
                line[$"grad_norm/{p.Name}"] = p.GradNorm;
            }
            foreach (var p in stats.Parameters)
            {
                line[$"update_ratio/{p.Name}"] = double.IsFinite(p.UpdateRatio) ? p.UpdateRatio : null; // JSON has no ∞: weights that are all 0 (a bias at its start)
            }
            foreach (var p in stats.Parameters)
            {
                line[$"weight_norm/{p.Name}"] = p.WeightNorm;
            }
        }
        writer.WriteLine(line.ToJsonString());
        writer.Flush();
    }

    /// <inheritdoc/>
    public void Dispose() => writer.Dispose();
}
