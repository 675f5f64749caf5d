namespace Scratch.Gpt.Cli;

/// <summary>
/// Turns an exception into the one line a user should see: "scratch train: error: corpus file not found: x.txt".
/// Commands run inside <see cref="Guard"/>, so no stack trace ever reaches the terminal.
/// </summary>
internal static class CliErrors
{
    /// <summary>Exit code for a failure (a missing file, a bad value, a corrupt checkpoint).</summary>
    public const int Failure = 1;

    /// <summary>Exit code for a command line that does not parse.</summary>
    public const int Usage = 2;

    /// <summary>Runs <paramref name="body"/>; on an exception writes one line to <paramref name="error"/> and returns <see cref="Failure"/>.</summary>
    public static int Guard(string command, TextWriter error, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e)
        {
            error.WriteLine($"scratch {command}: error: {Describe(e)}");
            return Failure;
        }
    }

    /// <summary>
    /// The exception's message on one line, without .NET's " (Parameter 'x')" and "Actual value was" additions;
    /// an exception Scratch does not expect (a bug) is named by its type so that it can be reported.
    /// </summary>
    public static string Describe(Exception e)
    {
        string message = e.Message;
        if (e is ArgumentException { ParamName: { } name })
        {
            message = message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal);
        }
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !line.StartsWith("Actual value was", StringComparison.Ordinal));
        message = string.Join(" ", lines);
        bool expected = e is IOException or ArgumentException or FormatException or InvalidDataException
            or UnauthorizedAccessException or Nn.Checkpoints.SafetensorsFormatException;
        return expected ? message : $"unexpected {e.GetType().Name}: {message} (please report this)";
    }
}
