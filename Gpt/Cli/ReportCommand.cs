using System.CommandLine;
using System.Globalization;
using Scratch.Gpt.Reports;

namespace Scratch.Gpt.Cli;

/// <summary>
/// <c>scratch report --ckpt DIR [--data FILE] [--metrics FILE]</c>: rebuilds DIR/report.html (see <see cref="RunReport"/>),
/// the page <c>scratch train</c> writes at the end of a run. With --data it measures the exact val loss again and keeps it
/// in DIR/run.json; with --metrics it reads that metrics file instead of the one the run wrote.
/// </summary>
internal static class ReportCommand
{
    /// <summary>The command, writing what it did to <paramref name="output"/> and errors to <paramref name="error"/>.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var ckpt = CommandSupport.Required<string>("--ckpt", "checkpoint directory written by scratch train");
        var data = CommandSupport.Opt<string?>("--data", "measure the exact val loss on this corpus (kept in DIR/run.json)", null);
        var metrics = CommandSupport.Opt<string?>("--metrics", "the metrics file to draw (default: the one the run wrote with --metrics)", null);
        var batchSize = CommandSupport.Opt("--batch-size", "windows per forward pass for the exact val loss", 12);
        var command = new Command("report", "Write report.html into a checkpoint directory: loss curves, learning rate, gradients, samples, attention, exact val loss.")
        { ckpt, data, metrics, batchSize };
        command.SetAction(parse => CliErrors.Guard("report", error, () =>
        {
            string dir = parse.GetValue(ckpt)!;
            if (!Directory.Exists(dir))
            {
                throw new DirectoryNotFoundException($"checkpoint directory not found: {dir}");
            }
            int B = parse.GetValue(batchSize);
            if (B <= 0)
            {
                throw new ArgumentException($"--batch-size {B} must be positive");
            }
            string? metricsFile = parse.GetValue(metrics);
            if (metricsFile is not null && !File.Exists(metricsFile))
            {
                throw new FileNotFoundException($"--metrics: file not found: {metricsFile}", metricsFile);
            }
            if (parse.GetValue(data) is { } corpus)
            {
                var exact = RunRecord.MeasureExact(dir, corpus, B);
                (RunRecord.Load(dir) with { Exact = exact }).Save(dir);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"exact val loss at iteration {exact.Iteration}: {exact.Loss:0.00000} ({exact.Tokens:N0} tokens)"));
            }
            output.WriteLine($"wrote {RunReport.Write(dir, metricsFile)}");
            return 0;
        }));
        return command;
    }
}
