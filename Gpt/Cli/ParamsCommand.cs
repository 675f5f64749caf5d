using System.CommandLine;
using System.Globalization;
using Scratch.Gpt.Checkpoints;
using Scratch.Gpt.Inspection;
using Spectre.Console;

namespace Scratch.Gpt.Cli;

/// <summary>
/// <c>scratch params [--ckpt DIR | --preset NAME]</c>: a table of a GPT's parameters by kind, computed from the
/// configuration alone (see <see cref="ParameterTable"/>), so even GPT-3 175B is counted without allocating it.
/// </summary>
public static class ParamsCommand
{
    /// <summary>The command, on the console.</summary>
    public static Command Create() => Create(System.Console.Out, System.Console.Error);

    /// <summary>The command, writing the table to <paramref name="output"/>.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var ckpt = CommandSupport.Opt<string?>("--ckpt", "count the model in this checkpoint (reads config.json only)", null);
        var preset = CommandSupport.Opt<string?>("--preset", $"count a named configuration: {string.Join(", ", ParameterTable.Presets.Keys)} (default gpt2)", null);
        var command = new Command("params", "Count a GPT's parameters by kind (embeddings, q, k, v, attention output, MLP, layer norms, biases, tied LM head).")
        { ckpt, preset };
        command.SetAction(parse => CliErrors.Guard("params", error, () =>
        {
            string? dir = parse.GetValue(ckpt), name = parse.GetValue(preset);
            if (dir is not null && name is not null)
            {
                throw new ArgumentException("give --ckpt or --preset, not both");
            }
            Preflight.InputFolder("--ckpt", dir);
            var config = dir is not null ? CheckpointLoader.LoadConfig(dir) : ParameterTable.Preset(name ?? "gpt2");
            var table = ParameterTable.FromConfig(config);
            Write(table, dir ?? name ?? "gpt2", output);
            return 0;
        }));
        return command;
    }

    private static void Write(ParameterTable table, string source, TextWriter output)
    {
        var c = table.Config;
        var grid = new Table
        {
            Title = new TableTitle(Markup.Escape(
            $"{source}: n_layer {c.NLayer}, n_head {c.NHead}, n_embd {c.NEmbd}, vocab_size {c.VocabSize}, block_size {c.BlockSize}, bias {c.Bias}"))
        };
        grid.AddColumn("kind");
        grid.AddColumn(new TableColumn("matrices").RightAligned());
        grid.AddColumn(new TableColumn("parameters").RightAligned());
        grid.AddColumn(new TableColumn("share").RightAligned());
        grid.AddColumn("shape");
        grid.AddColumn("note");
        foreach (var row in table.Rows)
        {
            string share = table.Total == 0 ? "" : (100.0 * row.Count / table.Total).ToString("F2", CultureInfo.InvariantCulture) + " %";
            grid.AddRow(Markup.Escape(row.Kind), CommandSupport.Thousands(row.Matrices), row.Count == 0 && row.Kind == "unembedding" ? "(tied)" : CommandSupport.Thousands(row.Count),
                share, Markup.Escape(row.Shape), Markup.Escape(row.Note));
        }
        grid.AddRow("total", CommandSupport.Thousands(table.Matrices), CommandSupport.Thousands(table.Total), "100.00 %", "",
            Markup.Escape($"≈ {Humanize(table.Total)}"));
        CommandSupport.Console(output).Write(grid);
    }

    private static string Humanize(long n) => n switch
    {
        >= 1_000_000_000 => (n / 1e9).ToString("F1", CultureInfo.InvariantCulture) + " billion",
        >= 1_000_000 => (n / 1e6).ToString("F1", CultureInfo.InvariantCulture) + " million",
        >= 1_000 => (n / 1e3).ToString("F1", CultureInfo.InvariantCulture) + " thousand",
        _ => n.ToString(CultureInfo.InvariantCulture),
    };
}
