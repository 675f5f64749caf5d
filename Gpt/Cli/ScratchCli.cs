using System.CommandLine;

namespace Scratch.Gpt.Cli;

/// <summary>The <c>scratch</c> command line: one subcommand per thing a learner does with a GPT.</summary>
public static class ScratchCli
{
    /// <summary>Parses the arguments and runs the chosen command; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        var root = new RootCommand("Scratch: a GPT written from scratch in C#; train it, evaluate it, sample from it and look inside.");
        return root.Parse(args).Invoke();
    }
}
