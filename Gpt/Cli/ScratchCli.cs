using System.CommandLine;
using Spectre.Console;

namespace Scratch.Gpt.Cli;

/// <summary>The <c>scratch</c> command line: one subcommand per thing a learner does with a GPT.</summary>
public static class ScratchCli
{
    /// <summary>Parses the arguments and runs the chosen command on the console; returns the process exit code.</summary>
    public static int Run(string[] args) =>
        Run(args, Console.Out, Console.Error, interactive: !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive);

    /// <summary>
    /// Runs a command with its output and errors going to the given writers, with plain progress lines
    /// (no live display): for tests and for embedding.
    /// </summary>
    public static int Run(string[] args, TextWriter output, TextWriter error) => Run(args, output, error, interactive: false);

    private static int Run(string[] args, TextWriter output, TextWriter error, bool interactive)
    {
        var root = Build(output, error, interactive);
        var parse = root.Parse(args);
        if (ParseError(root, parse) is { } line)
        {
            error.WriteLine(line);
            return CliErrors.Usage;
        }
        return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null });
    }

    /// <summary>
    /// The one line <c>scratch</c> prints when <paramref name="args"/> do not parse (an unknown command or flag, a value
    /// of the wrong type, a missing required flag), or null when they parse: what the docs' examples are checked with.
    /// </summary>
    internal static string? ParseError(string[] args)
    {
        var root = Build(TextWriter.Null, TextWriter.Null, interactive: false);
        return ParseError(root, root.Parse(args));
    }

    /// <summary>The subcommands' names and, for each, its flags and their aliases.</summary>
    internal static IReadOnlyDictionary<string, IReadOnlySet<string>> Commands() =>
        Build(TextWriter.Null, TextWriter.Null, interactive: false).Subcommands.ToDictionary(
            c => c.Name, c => (IReadOnlySet<string>)c.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).Append("--help").Append("-h").ToHashSet());

    private static string? ParseError(RootCommand root, ParseResult parse)
    {
        if (parse.Errors.Count == 0)
        {
            return null;
        }
        // One line, naming the flag or value, instead of System.CommandLine's error list and full help.
        string command = parse.CommandResult.Command == root ? "scratch" : $"scratch {parse.CommandResult.Command.Name}";
        var messages = parse.Errors.Select(e => e.Message.TrimEnd('.')).Distinct();
        return $"{command}: error: {string.Join("; ", messages)} (see {command} --help)";
    }

    private static RootCommand Build(TextWriter output, TextWriter error, bool interactive)
    {
        var root = new RootCommand("Scratch: a GPT written from scratch in C#; train it, evaluate it, sample from it and look inside.");
        root.Subcommands.Add(TrainCommand.Create(output, error, interactive));
        root.Subcommands.Add(EvalCommand.Create(output, error));
        root.Subcommands.Add(SampleCommand.Create(output, error));
        root.Subcommands.Add(ChatCommand.Create(Console.In, output, error));
        root.Subcommands.Add(ParamsCommand.Create(output, error));
        root.Subcommands.Add(AttentionCommand.Create(output, error));
        root.Subcommands.Add(EmbeddingsCommand.Create(output, error));
        root.Subcommands.Add(NGramCommand.Create(output, error));
        root.Subcommands.Add(TokenizeCommand.Create(Console.OpenStandardInput, output, error));
        root.Subcommands.Add(QuantizeCommand.Create(output, error));
        root.Subcommands.Add(ReportCommand.Create(output, error));
        root.Subcommands.Add(ImportCommand.Create(output, error));
        return root;
    }
}
