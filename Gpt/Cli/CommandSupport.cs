using System.CommandLine;
using System.Globalization;
using Scratch.Gpt.Tokenizers;
using Spectre.Console;

namespace Scratch.Gpt.Cli;

/// <summary>Shared pieces of the sampling and inspection commands: options, escapes, prompts, plain Spectre output.</summary>
internal static class CommandSupport
{
    /// <summary>An option with a description and a default.</summary>
    public static Option<TValue> Opt<TValue>(string name, string description, TValue defaultValue) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue };

    /// <summary>An option that must be given.</summary>
    public static Option<TValue> Required<TValue>(string name, string description) =>
        new(name) { Description = description, Required = true };

    /// <summary>Turns the escapes \n, \t and \\ typed on a command line into the characters.</summary>
    public static string Unescape(string text) =>
        text.Replace("\\\\", "\u0000", StringComparison.Ordinal).Replace("\\n", "\n", StringComparison.Ordinal)
            .Replace("\\t", "\t", StringComparison.Ordinal).Replace("\u0000", "\\", StringComparison.Ordinal);

    /// <summary>The token ids of a prompt; an empty prompt or one with characters the tokenizer lacks is an error.</summary>
    public static int[] EncodePrompt(ITokenizer tokenizer, string prompt, string flag = "--prompt")
    {
        if (prompt.Length == 0)
        {
            throw new ArgumentException($"{flag} is empty; give at least one character");
        }
        try
        {
            return tokenizer.Encode(prompt);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{flag}: {CliErrors.Describe(e)}", e);
        }
    }

    /// <summary>A Spectre console writing plain text (no colours, no cursor tricks) to <paramref name="output"/>, 150 columns wide.</summary>
    public static IAnsiConsole Console(TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 150;
        return console;
    }

    /// <summary>A number with thousands separators.</summary>
    public static string Thousands(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
