using System.CommandLine;
using Scratch.Gpt.Checkpoints;
using Scratch.Gpt.Inspection;

namespace Scratch.Gpt.Cli;

/// <summary>
/// <c>scratch attention --ckpt DIR --prompt TEXT [--layer L] [--head H] --out FILE.svg</c>: draws where each
/// position of the prompt looks, for one head or every head of a layer (see <see cref="AttentionSvg"/>).
/// </summary>
public static class AttentionCommand
{
    /// <summary>The command, on the console.</summary>
    public static Command Create() => Create(System.Console.Out, System.Console.Error);

    /// <summary>The command, reporting to <paramref name="output"/>.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var ckpt = CommandSupport.Required<string>("--ckpt", "checkpoint directory (model.safetensors, config.json, tokenizer.json)");
        var prompt = CommandSupport.Required<string>("--prompt", "the text to look at (at most block_size tokens); \\n is a newline");
        var layer = CommandSupport.Opt("--layer", "which block, from 0", 0);
        var head = CommandSupport.Opt<int?>("--head", "which head, from 0 (default: every head of the layer, as a grid)", null);
        var outFile = CommandSupport.Required<string>("--out", "the SVG file to write");
        var command = new Command("attention",
            "Draw a checkpoint's attention weights on a prompt as an SVG heatmap: rows are queries, columns keys; future cells (masked) are grey.")
        { ckpt, prompt, layer, head, outFile };
        command.SetAction(parse => CliErrors.Guard("attention", error, () =>
        {
            string dir = parse.GetValue(ckpt)!, path = parse.GetValue(outFile)!;
            Preflight.InputFolder("--ckpt", dir);
            Preflight.OutputFile("--out", path, svg: true);
            int l = parse.GetValue(layer);
            int? h = parse.GetValue(head);
            if (l < 0 || h < 0)
            {
                throw new ArgumentException(l < 0 ? $"--layer {l} is out of range: layers count from 0" : $"--head {h} is out of range: heads count from 0");
            }
            var config = CheckpointLoader.LoadConfig(dir); // the ranges are checked before the weights are read
            if (l >= config.NLayer)
            {
                throw new ArgumentException($"--layer {l} is out of range: the model has layers 0 to {config.NLayer - 1}");
            }
            if (h is int hh && hh >= config.NHead)
            {
                throw new ArgumentException($"--head {hh} is out of range: each layer has heads 0 to {config.NHead - 1}");
            }
            var (model, tokenizer) = CheckpointLoader.Load(dir);
            int[] ids = CommandSupport.EncodePrompt(tokenizer, CommandSupport.Unescape(parse.GetValue(prompt)!));
            if (ids.Length > model.Config.BlockSize)
            {
                throw new ArgumentException($"--prompt is {ids.Length} tokens, longer than block_size {model.Config.BlockSize}");
            }
            var maps = AttentionMaps.Compute(model, ids);
            var labels = ids.Select(id => TokenLabel.Of(tokenizer, id)).ToArray();
            File.WriteAllText(path, AttentionSvg.Render(maps, labels, l, h));
            output.WriteLine($"wrote {path}: layer {l}, {(h is int one ? $"head {one}" : $"heads 0 to {maps.Heads - 1}")}, {ids.Length} tokens");
            return 0;
        }));
        return command;
    }
}
