using System.CommandLine;
using System.Globalization;
using Scratch.Gpt.Checkpoints;

namespace Scratch.Gpt.Cli;

/// <summary>
/// <c>scratch import --from DIR --out CKPT</c>: turns GPT-2 as Hugging Face stores it (config.json, model.safetensors,
/// vocab.json, merges.txt) into a Scratch checkpoint (see <see cref="HuggingFaceGpt2"/>). Every command also reads such
/// a folder directly through --ckpt; importing once saves the conversion on every later load.
/// </summary>
public static class ImportCommand
{
    /// <summary>The command, on the console.</summary>
    public static Command Create() => Create(System.Console.Out, System.Console.Error);

    /// <summary>The command, reporting to <paramref name="output"/>.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var from = CommandSupport.Required<string>("--from", "the Hugging Face folder: config.json, model.safetensors, vocab.json + merges.txt (read only)");
        var outDir = CommandSupport.Required<string>("--out", "the checkpoint directory to write (model.safetensors, config.json, tokenizer.json)");
        var command = new Command("import",
            "Import GPT-2 from Hugging Face's files (the gpt2 model repository's config.json, model.safetensors, vocab.json, merges.txt) " +
            "into a Scratch checkpoint: nanoGPT's names, Conv1D weights transposed to nn.Linear's layout, the mask buffers dropped, the LM head tied.")
        { from, outDir };
        command.SetAction(parse => CliErrors.Guard("import", error, () =>
        {
            string source = parse.GetValue(from)!, target = parse.GetValue(outDir)!;
            var (model, summary) = HuggingFaceGpt2.Import(source, target);
            var c = model.Config;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"read {source}: GPT-2 with n_layer {c.NLayer}, n_head {c.NHead}, n_embd {c.NEmbd}, n_positions {c.BlockSize}, vocab_size {c.VocabSize}; {model.ParameterCount():N0} parameters stored as {string.Join(", ", summary.DTypes)}"));
            output.WriteLine($"transposed {summary.Transposed} Conv1D weights (in, out) → (out, in): attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj of every block");
            if (summary.Skipped.Count > 0)
            {
                output.WriteLine($"skipped {summary.Skipped.Count} tensors that are not weights: {Abbreviate(summary.Skipped)}");
            }
            long bytes = new FileInfo(Path.Combine(target, Training.Checkpoint.ModelFile)).Length;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {target}: model.safetensors ({bytes:N0} bytes, float32), config.json, tokenizer.json"));
            return 0;
        }));
        return command;
    }

    private static string Abbreviate(IReadOnlyList<string> names) =>
        names.Count <= 4 ? string.Join(", ", names) : $"{string.Join(", ", names.Take(4))}, … ({names.Count - 4} more)";
}
