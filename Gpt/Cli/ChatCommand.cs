using System.CommandLine;
using Scratch.Gpt.Checkpoints;
using Scratch.Gpt.Sampling;
using Scratch.Tensors;

namespace Scratch.Gpt.Cli;

/// <summary>
/// <c>scratch chat --ckpt DIR [--system TEXT] [--user-prefix P] [--assistant-prefix Q]</c>: reads the user's turns
/// from standard input, one per line (typed or piped), and streams the model's replies (see <see cref="ChatSession"/>).
/// </summary>
public static class ChatCommand
{
    /// <summary>The command, on the console.</summary>
    public static Command Create() => Create(System.Console.In, System.Console.Out, System.Console.Error);

    /// <summary>The command, reading turns from <paramref name="input"/>.</summary>
    public static Command Create(TextReader input, TextWriter output, TextWriter error)
    {
        var ckpt = CommandSupport.Required<string>("--ckpt", "checkpoint directory (model.safetensors, config.json, tokenizer.json)");
        var system = CommandSupport.Opt("--system", "text placed before the conversation; \\n is a newline", "");
        var userPrefix = CommandSupport.Opt("--user-prefix", "the line that opens each of your turns", "ROMEO:");
        var assistantPrefix = CommandSupport.Opt("--assistant-prefix", "the line that opens each of the model's turns", "JULIET:");
        var maxNew = CommandSupport.Opt("--max-new-tokens", "the longest reply, in tokens", 200);
        var temperature = CommandSupport.Opt("--temperature", "0 = greedy; below 1 sharper, above 1 flatter", 0.8);
        var topK = CommandSupport.Opt<int?>("--top-k", "draw only from the k most likely tokens", null);
        var topP = CommandSupport.Opt<double?>("--top-p", "nucleus sampling threshold in (0, 1]", null);
        var seed = CommandSupport.Opt("--seed", "random seed", 1337UL);
        var command = new Command("chat",
            "Chat with a checkpoint: each line on standard input is your turn; the model continues the transcript " +
            "(\"{user-prefix}\\n{your text}\\n\\n{assistant-prefix}\\n\") until it starts a line with your prefix. " +
            "The context is cropped to the last block_size tokens.")
        { ckpt, system, userPrefix, assistantPrefix, maxNew, temperature, topK, topP, seed };
        command.SetAction(parse => CliErrors.Guard("chat", error, () =>
        {
            var sampling = new SamplingOptions(parse.GetValue(temperature), parse.GetValue(topK), parse.GetValue(topP)).Validate();
            var chat = new ChatOptions(CommandSupport.Unescape(parse.GetValue(system)!), CommandSupport.Unescape(parse.GetValue(userPrefix)!),
                CommandSupport.Unescape(parse.GetValue(assistantPrefix)!), parse.GetValue(maxNew)).Validate();
            Preflight.InputFolder("--ckpt", parse.GetValue(ckpt));
            var (model, tokenizer) = CheckpointLoader.Load(parse.GetValue(ckpt)!);
            var session = new ChatSession(new KvCache<float>(model), tokenizer, chat, sampling, new Rng(parse.GetValue(seed)));
            session.Run(input, piece =>
            {
                output.Write(piece);
                output.Flush();
            }, problem => error.WriteLine($"scratch chat: {problem}")); // a line the model cannot read is not the end of the chat
            return 0;
        }));
        return command;
    }
}
