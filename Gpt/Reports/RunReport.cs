using System.Globalization;
using System.Net;
using System.Text;
using Scratch.Gpt.Inspection;
using Scratch.Gpt.Model;
using Scratch.Gpt.Plots;
using Scratch.Gpt.Training;
using Scratch.Nn.Schedules;
using Scratch.Tensors;

namespace Scratch.Gpt.Reports;

/// <summary>
/// <c>report.html</c>: one self-contained page for a training run, built from its checkpoint directory: the run's
/// flags and the model's shape, the loss curves (every step, smoothed, and the evaluations, on a linear and a log
/// iteration axis), the learning-rate schedule, the gradient norms and update/data ratios per block (when the run
/// logged them with <c>--metrics --log-grad-norms</c>), the sample written at each checkpoint, the attention of the
/// last checkpoint's final block, and the exact val loss. Every picture is an SVG inside the page as a data: URI, the
/// style sheet is inline, and there is no script: the page opens offline, from anywhere, and prints.
/// </summary>
public static class RunReport
{
    /// <summary>The page's name in the checkpoint directory.</summary>
    public const string FileName = "report.html";

    /// <summary>
    /// What <c>scratch train</c> does when a run ends (or stops with Ctrl-C): it keeps the run's flags in run.json, measures
    /// the final checkpoint's exact val loss on the run's corpus, and writes report.html, telling <paramref name="say"/>.
    /// </summary>
    public static void AfterTraining(TrainOptions options, Action<string> say)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(say);
        var exact = RunRecord.MeasureExact(options.OutDir, options.Data, options.BatchSize);
        new RunRecord(RunRecord.Absolute(options), exact).Save(options.OutDir);
        say(string.Create(CultureInfo.InvariantCulture, $"exact val loss: {exact.Loss:0.00000} (every window of the {exact.Tokens:N0} val tokens)"));
        say($"wrote {Write(options.OutDir)}");
    }

    /// <summary>Builds the page for the checkpoint in <paramref name="dir"/> and writes it there; returns its path.</summary>
    /// <param name="dir">The checkpoint directory.</param>
    /// <param name="metricsPath">The metrics file to read (default: the one the run wrote, if any).</param>
    public static string Write(string dir, string? metricsPath = null)
    {
        string html = Build(dir, metricsPath);
        string path = Path.Combine(dir, FileName);
        AtomicFile.WriteAllText(path, html);
        return path;
    }

    /// <summary>The page for the checkpoint in <paramref name="dir"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">There is no such directory.</exception>
    /// <exception cref="FileNotFoundException">A checkpoint file, or the metrics file named, is missing.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt (the message names it).</exception>
    public static string Build(string dir, string? metricsPath = null)
    {
        var (model, tokenizer) = Checkpoint.LoadModel(dir, new Rng(0));
        var state = Checkpoint.LoadState(dir);
        var run = RunRecord.Load(dir);
        var options = run.Options;
        metricsPath ??= options?.Metrics is { } m && File.Exists(m) ? m : null;
        var metrics = metricsPath is null ? null : MetricsSeries.Read(metricsPath);

        var page = new StringBuilder();
        string name = Path.GetFileName(Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar));
        page.AppendLine("<!DOCTYPE html>");
        page.AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\">");
        page.AppendLine($"<title>{H($"training run {name}")}</title>");
        page.AppendLine("<style>" + Css + "</style></head><body>");
        page.AppendLine($"<h1>Training run <code>{H(name)}</code></h1>");
        page.AppendLine($"<p class=\"where\">{H(Path.GetFullPath(dir))} · written by <code>scratch report --ckpt {H(dir)}</code> (and by <code>scratch train</code> at the end of a run)</p>");

        Summary(page, model.Config, model.ParameterCount(), state, run.Exact);
        Configuration(page, options);
        Section(page, "Loss", "The training loss of every step is light (one batch: a noisy estimate), the smoothed line follows it, and the evaluations "
            + $"(the mean over eval_iters batches of each split) lie on top. The log-scale axis spreads out the first steps, where the loss falls fastest.");
        Picture(page, LossChart.Render(state), "loss curves");
        Picture(page, LossChart.Render(state, logX: true), "loss curves, log-scale iterations");

        Section(page, "Learning rate", "Linear warmup, then cosine decay to min_lr (nanoGPT's get_lr), as the run's flags give it"
            + (metrics is { LearningRates.Count: > 0 } ? "; the dots are the rates the metrics file logged." : "."));
        if (LearningRateChart(options, metrics) is { } lrChart)
        {
            Picture(page, lrChart, "learning-rate schedule");
        }
        else
        {
            Note(page, "Not drawn: this checkpoint has no run.json (it was written before reports), so its flags are unknown.");
        }

        Section(page, "Gradients and updates per block", "‖g‖ is the gradient's length before clipping; ‖Δw‖ / ‖w‖ is how far one step moved the weights, "
            + "relative to their size (about 10⁻³ is the rule of thumb). Each block's parameters are taken together as one vector.");
        Gradients(page, metrics, metricsPath, options);

        Samples(page, state);
        Attention(page, model, tokenizer, state);
        page.AppendLine("</body></html>");
        return page.ToString();
    }

    /// <summary>The run's flags, each under its name, from run.json.</summary>
    private static void Configuration(StringBuilder page, TrainOptions? options)
    {
        Section(page, "Configuration", "The flags of the run (scratch train --help says what each does), from run.json.");
        if (options is not null)
        {
            // Each option under its flag's name; stats_interval is what --log-grad-norms set (every --log-interval steps, or 0).
            var flags = System.Text.Json.JsonSerializer.SerializeToNode(options, RunRecord.JsonOptions)!.AsObject();
            Table(page, flags.Select(kv => kv.Key == "stats_interval"
                ? ("--log-grad-norms", options.StatsInterval > 0 ? "true" : "false")
                : ("--" + kv.Key.Replace('_', '-'), kv.Value?.ToJsonString() is { } v ? v.Trim('"') : "(default)")), "config");
        }
        else
        {
            Note(page, "Unknown: this checkpoint has no run.json (it was written before reports).");
        }
    }

    /// <summary>The sample kept at each checkpoint.</summary>
    private static void Samples(StringBuilder page, TrainState state)
    {
        Section(page, "Samples", $"{SamplePoint.Length} tokens after a newline at temperature {SamplePoint.Temperature.ToString(CultureInfo.InvariantCulture)}, "
            + "with the same seed at every checkpoint: they differ only because the model learned.");
        if (state.Samples is { Count: > 0 } samples)
        {
            foreach (var sample in samples)
            {
                page.AppendLine($"<h3>iteration {sample.Iteration:N0}</h3><pre class=\"sample\">{H(sample.Text)}</pre>");
            }
        }
        else
        {
            Note(page, "None: this checkpoint was written before samples were kept in train_state.json.");
        }

    }

    private static void Summary(StringBuilder page, GptConfig config, long parameters, TrainState state, ExactEval? exact)
    {
        Section(page, "Summary", null);
        var rows = new List<(string, string)>
        {
            ("iterations", $"{state.Iteration:N0}"),
            ("parameters", $"{parameters:N0} (n_layer {config.NLayer}, n_head {config.NHead}, n_embd {config.NEmbd}, block_size {config.BlockSize}, vocab_size {config.VocabSize}, dropout {config.Dropout}, bias {config.Bias.ToString().ToLowerInvariant()})"),
        };
        if (state.Evals.Count > 0)
        {
            var last = state.Evals[^1];
            rows.Add(("last evaluation", $"iteration {last.Iteration:N0}: train loss {last.TrainLoss:0.0000}, val loss {last.ValLoss:0.0000} (estimates)"));
        }
        if (state.BestValLoss is { } best)
        {
            rows.Add(("best val loss", $"{best:0.0000}"));
        }
        rows.Add(("exact val loss", exact is null
            ? "not measured (scratch report --ckpt DIR --data FILE measures it)"
            : exact.Iteration == state.Iteration
                ? $"{exact.Loss:0.00000} over all {exact.Tokens:N0} tokens of the val split of {exact.Data} (as scratch eval --all)"
                : $"not measured for this checkpoint (run.json's is for iteration {exact.Iteration}; scratch report --ckpt DIR --data FILE measures it again)"));
        Table(page, rows, "summary");
    }

    private static void Table(StringBuilder page, IEnumerable<(string Key, string Value)> rows, string cssClass)
    {
        page.AppendLine($"<table class=\"{cssClass}\">");
        foreach (var (key, value) in rows)
        {
            page.AppendLine($"<tr><th>{H(key)}</th><td>{H(value)}</td></tr>");
        }
        page.AppendLine("</table>");
    }

    private static string? LearningRateChart(TrainOptions? options, MetricsSeries? metrics)
    {
        if (options is null)
        {
            return null;
        }
        var schedule = new WarmupCosineSchedule(options.LearningRate, options.MinLr, options.WarmupIters, options.LrDecayIters);
        double[] iters = Enumerable.Range(0, options.MaxIters + 1).Select(i => (double)i).ToArray();
        var chart = new Chart("learning rate η by iteration", "iteration", "learning rate")
            .Line("get_lr(iteration)", iters, iters.Select(i => schedule.At((int)i)).ToArray(), colour: "#1f77b4");
        if (metrics is { LearningRates.Count: > 0 })
        {
            var logged = metrics.LearningRates.Where((_, k) => k % Math.Max(1, metrics.LearningRates.Count / 40) == 0).ToList();
            chart.Points("logged in the metrics file", logged.Select(p => (double)p.Iteration).ToArray(), logged.Select(p => p.Lr).ToArray(), colour: "#ff7f0e");
        }
        return chart.ToSvg();
    }

    private static void Gradients(StringBuilder page, MetricsSeries? metrics, string? metricsPath, TrainOptions? options)
    {
        if (metrics is null || metrics.GradNorm.Count == 0)
        {
            Note(page, metrics is null
                ? "Not logged: train with --metrics FILE --log-grad-norms to measure them."
                : $"Not logged: {metricsPath} has no gradient norms (train with --log-grad-norms).");
            return;
        }
        var norms = new Chart("gradient norm ‖g‖ per block, before clipping", "iteration", "‖g‖") { LogY = true, Width = 760, Height = 460 };
        norms.Line("all parameters", metrics.GradNorm.Select(p => (double)p.Iteration).ToArray(), metrics.GradNorm.Select(p => p.Norm).ToArray(), colour: "black", width: 2.5);
        foreach (var (block, points) in metrics.BlockGradNorms)
        {
            norms.Line(Short(block), points.Select(p => (double)p.Iteration).ToArray(), points.Select(p => p.Norm).ToArray(), width: 1.5);
        }
        double[] ends = [metrics.GradNorm[0].Iteration, metrics.GradNorm[^1].Iteration]; // reference lines across the plot, named in the legend
        if (options is { GradClip: > 0 })
        {
            norms.Line($"clipping threshold {options.GradClip.ToString(CultureInfo.InvariantCulture)}", ends, [options.GradClip, options.GradClip], colour: "#888888", width: 1, dashed: true);
        }
        Picture(page, norms.ToSvg(), "gradient norms per block");
        if (metrics.BlockUpdateRatios.Count == 0)
        {
            Note(page, $"Update/data ratios per block need the weights' norms, which {metricsPath} does not have (a metrics file from an older scratch).");
            return;
        }
        var ratios = new Chart("update/data ratio ‖Δw‖ / ‖w‖ per block", "iteration", "‖Δw‖ / ‖w‖") { LogY = true, Width = 760, Height = 460, Legend = Corner.BottomRight };
        foreach (var (block, points) in metrics.BlockUpdateRatios)
        {
            ratios.Line(Short(block), points.Select(p => (double)p.Iteration).ToArray(), points.Select(p => p.Ratio).ToArray(), width: 1.5);
        }
        ratios.Line("10⁻³, the rule of thumb", ends, [1e-3, 1e-3], colour: "#888888", width: 1, dashed: true);
        Picture(page, ratios.ToSvg(), "update/data ratios per block");
    }

    /// <summary>transformer.h.3 → h.3, transformer.wte → wte.</summary>
    private static string Short(string block) => block.StartsWith("transformer.", StringComparison.Ordinal) ? block["transformer.".Length..] : block;

    private static void Attention(StringBuilder page, GptModel<float> model, Tokenizers.ITokenizer tokenizer, TrainState state)
    {
        int layer = model.Config.NLayer - 1;
        Section(page, "Attention", $"Where each position of a text looks, in the last block (layer {layer}) of this checkpoint, every head: rows are "
            + "queries, columns keys, the future is masked (grey). The text is the start of the last sample, so the page needs nothing but the checkpoint.");
        if (state.Samples is not { Count: > 0 } samples)
        {
            Note(page, "Not drawn: no sample to look at (a checkpoint written before samples were kept).");
            return;
        }
        int[] ids = tokenizer.Encode(samples[^1].Text);
        ids = ids[..Math.Min(ids.Length, Math.Min(16, model.Config.BlockSize))];
        var maps = AttentionMaps.Compute(model, ids);
        var labels = ids.Select(id => TokenLabel.Of(tokenizer, id)).ToArray();
        Picture(page, AttentionSvg.Render(maps, labels, layer, null), $"attention of layer {layer}");
    }

    private static void Section(StringBuilder page, string title, string? text)
    {
        page.AppendLine($"<h2>{H(title)}</h2>");
        if (text is not null)
        {
            page.AppendLine($"<p>{H(text)}</p>");
        }
    }

    private static void Note(StringBuilder page, string text) => page.AppendLine($"<p class=\"note\">{H(text)}</p>");

    /// <summary>An SVG as an &lt;img&gt; with a data: URI (base64), at its own size, shrinking to the page's width.</summary>
    private static void Picture(StringBuilder page, string svg, string alt)
    {
        var root = System.Xml.Linq.XElement.Parse(svg);
        string width = root.Attribute("width")!.Value, height = root.Attribute("height")!.Value;
        string data = Convert.ToBase64String(Encoding.UTF8.GetBytes(svg));
        page.AppendLine($"<figure><img src=\"data:image/svg+xml;base64,{data}\" width=\"{width}\" height=\"{height}\" alt=\"{H(alt)}\"></figure>");
    }

    private static string H(string text) => WebUtility.HtmlEncode(text);

    private const string Css =
        "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}"
        + "h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}h3{font-size:1em;margin:1.2em 0 .3em}"
        + "table{border-collapse:collapse}th,td{text-align:left;padding:.25em .8em;border-bottom:1px solid #eee;vertical-align:top}"
        + "th{white-space:nowrap;font-weight:600}td{font-family:monospace}"
        + "figure{margin:1em 0}img{max-width:100%;height:auto}.note{color:#666;font-style:italic}.where{color:#666}"
        + "pre.sample{background:#f6f6f6;padding:.6em;white-space:pre-wrap;font-size:.9em}";
}
