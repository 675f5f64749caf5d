using System.CommandLine;
using System.Globalization;
using Scratch.Gpt.Checkpoints;
using Scratch.Nn.Quantization;

namespace Scratch.Gpt.Cli;

/// <summary>
/// <c>scratch quantize --ckpt DIR --to SCHEME --out OUTDIR</c>: writes a copy of a checkpoint with its weight
/// matrices in fewer bits (see <see cref="QuantizedCheckpoint"/>), which every command loads like any checkpoint.
/// The source directory is only read; an OUTDIR equal to it is refused.
/// </summary>
public static class QuantizeCommand
{
    /// <summary>The command, on the console.</summary>
    public static Command Create() => Create(System.Console.Out, System.Console.Error);

    /// <summary>The command, reporting to <paramref name="output"/>.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        string names = string.Join(", ", QuantSchemes.All.Select(s => s.Name()));
        var ckpt = CommandSupport.Required<string>("--ckpt", "the float32 checkpoint directory to read (never written)");
        var to = CommandSupport.Required<string>("--to", $"the scheme: {names}");
        var outDir = CommandSupport.Required<string>("--out", "the directory to write the quantized checkpoint to (not --ckpt)");
        var command = new Command("quantize",
            "Write a copy of a checkpoint with its embeddings and Linear weights stored in fewer bits (float16, bfloat16, int8 absmax " +
            "per tensor or per row, 4-bit in groups of 32); LayerNorm weights and biases stay float32. Every command loads the copy.")
        { ckpt, to, outDir };
        command.SetAction(parse => CliErrors.Guard("quantize", error, () =>
        {
            var scheme = QuantSchemes.Parse(parse.GetValue(to)!);
            string source = parse.GetValue(ckpt)!, target = parse.GetValue(outDir)!;
            Preflight.InputFolder("--ckpt", source);
            Preflight.OutputFolder("--out", target);
            var report = QuantizedCheckpoint.Write(source, target, scheme);
            var quantized = report.Weights.Where(w => w.Quantized).ToList();
            var kept = report.Weights.Where(w => !w.Quantized).ToList();
            output.WriteLine($"{scheme.Name()}: {scheme.Description()}");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"quantized {quantized.Count} matrices ({quantized.Sum(w => Count(w.Shape)):N0} weights); kept {kept.Count} tensors in float32 ({kept.Sum(w => Count(w.Shape)):N0} weights: layer norms and biases)"));
            foreach (var w in quantized)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {w.Name,-36} {"[" + string.Join(", ", w.Shape) + "]",-11} max |w − ŵ| {w.MaxError:0.00e+0}, rms {w.RmsError:0.00e+0}"));
            }
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"model.safetensors: {report.SourceBytes:N0} bytes → {report.Bytes:N0} bytes ({(double)report.SourceBytes / report.Bytes:F2}× smaller)"));
            output.WriteLine($"wrote {target} (model.safetensors, config.json, tokenizer.json)");
            return 0;
        }));
        return command;
    }

    private static long Count(int[] shape) => shape.Aggregate(1L, (a, b) => a * b);
}
