using System.CommandLine;
using System.Globalization;
using Scratch.Gpt.Checkpoints;
using Scratch.Gpt.Inspection;
using Scratch.Gpt.Sampling;
using Scratch.Tensors;

namespace Scratch.Gpt.Cli;

/// <summary>
/// <c>scratch sample --ckpt DIR [--prompt TEXT] [--max-new-tokens N] [--temperature T] [--top-k K] [--top-p P] [--seed S] [--show-probs]</c>:
/// generates text after a prompt, printing each token as it is drawn (with a KV cache, see <see cref="KvCache{T}"/>).
/// </summary>
public static class SampleCommand
{
    /// <summary>The command, writing to the console.</summary>
    public static Command Create() => Create(System.Console.Out, System.Console.Error);

    /// <summary>The command, writing text to <paramref name="output"/> and errors to <paramref name="error"/>.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var ckpt = CommandSupport.Required<string>("--ckpt", "checkpoint directory (model.safetensors, config.json, tokenizer.json)");
        var prompt = CommandSupport.Opt("--prompt", "text to continue; \\n is a newline", "\\n");
        var maxNew = CommandSupport.Opt("--max-new-tokens", "how many tokens to generate", 200);
        var temperature = CommandSupport.Opt("--temperature", "0 = greedy (always the most likely token); below 1 sharper, above 1 flatter", 1.0);
        var topK = CommandSupport.Opt<int?>("--top-k", "draw only from the k most likely tokens", null);
        var topP = CommandSupport.Opt<double?>("--top-p", "draw only from the smallest set of most likely tokens whose probability sums to p, in (0, 1]", null);
        var seed = CommandSupport.Opt("--seed", "random seed; the same seed gives the same sample", 1337UL);
        var showProbs = CommandSupport.Opt("--show-probs", "print each token with its probability and the entropy H = −Σ p·ln p, under the model (T = 1) and under the distribution it was drawn from, and the model's 5 most likely tokens", false);
        var command = new Command("sample",
            "Generate text from a checkpoint, streamed token by token. The context is cropped to the last block_size tokens: " +
            "once prompt + output is longer, the model sees only the most recent block_size tokens (and each step recomputes that window).")
        { ckpt, prompt, maxNew, temperature, topK, topP, seed, showProbs };
        command.SetAction(parse => CliErrors.Guard("sample", error, () =>
        {
            var options = new SamplingOptions(parse.GetValue(temperature), parse.GetValue(topK), parse.GetValue(topP)).Validate();
            int count = parse.GetValue(maxNew);
            if (count < 0)
            {
                throw new ArgumentException($"--max-new-tokens must be ≥ 0, got {count}");
            }
            Preflight.InputFolder("--ckpt", parse.GetValue(ckpt));
            var (model, tokenizer) = CheckpointLoader.Load(parse.GetValue(ckpt)!);
            string text = CommandSupport.Unescape(parse.GetValue(prompt)!);
            int[] ids = CommandSupport.EncodePrompt(tokenizer, text);
            var tokens = Generator.Generate(new KvCache<float>(model), ids, count, options, new Rng(parse.GetValue(seed)));
            if (parse.GetValue(showProbs))
            {
                // model: softmax(logits) as trained (T = 1, no filters); drawn: the distribution after temperature, top-k, top-p
                output.WriteLine("token      p(model)  H(model)  p(drawn)  H(drawn)   (H in nats)   the model's 5 most likely tokens (T = 1)");
                var all = new List<int>(ids);
                foreach (var token in tokens)
                {
                    all.Add(token.Id);
                    double[] raw = Sampler.Distribution(token.Logits, new SamplingOptions(1.0));
                    string label = $"'{TokenLabel.Of(tokenizer, token.Id)}'";
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{label,-10} {raw[token.Id],8:F4}  {Sampler.Entropy(raw),8:F3}  {token.Probability,8:F4}  {token.Entropy,8:F3}   {TopCandidates.Format(tokenizer, raw, 5)}"));
                }
                output.WriteLine();
                output.WriteLine(tokenizer.Decode(all));
                return 0;
            }
            var stream = new TextStream(tokenizer, output);
            foreach (int id in ids)
            {
                stream.Add(id);
            }
            foreach (var token in tokens)
            {
                stream.Add(token.Id);
            }
            stream.Finish();
            output.WriteLine();
            return 0;
        }));
        return command;
    }
}
