using Scratch.Gpt.Cli;

namespace Scratch.Gpt.Tests;

/// <summary>Runs the <c>scratch</c> command line in-process with captured output, and makes small corpora and folders.</summary>
internal sealed class CliRunner : IDisposable
{
    /// <summary>A fresh temporary folder, deleted on dispose.</summary>
    public string Dir { get; } = Directory.CreateTempSubdirectory("scratch-cli-").FullName;

    /// <summary>The first 20,000 characters of tiny Shakespeare, in <see cref="Dir"/>/corpus.txt.</summary>
    public string Corpus => corpus ??= Write("corpus.txt", Tests.Corpus.Shakespeare[..20_000]);

    private string? corpus;

    /// <summary>A tiny model that trains in milliseconds per step.</summary>
    public static readonly string[] TinyModel = ["--n-layer", "1", "--n-head", "2", "--n-embd", "32", "--block-size", "16", "--batch-size", "4", "--eval-iters", "2"];

    /// <summary>Writes <paramref name="text"/> to a file in <see cref="Dir"/> and returns its path.</summary>
    public string Write(string name, string text)
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Runs <c>scratch args…</c>; returns the exit code and what it wrote to stdout and stderr.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = ScratchCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Runs <c>scratch train</c> on <see cref="Corpus"/> with the tiny model, into <paramref name="outDir"/>, and checks it succeeded.</summary>
    public string Train(string outDir, params string[] more)
    {
        var (code, output, err) = Run(["train", "--data", Corpus, "--out", outDir, .. WithOverrides(TinyModel, more)]);
        Assert.True(code == 0, $"exit {code}: {err}\n{output}");
        Assert.Equal("", err);
        return output;
    }

    /// <summary><paramref name="flags"/> (pairs of flag and value) with the flags that <paramref name="more"/> gives again left out, then <paramref name="more"/>: a flag may be given only once.</summary>
    public static string[] WithOverrides(string[] flags, string[] more)
    {
        var result = new List<string>();
        for (int i = 0; i < flags.Length; i += 2)
        {
            if (!more.Contains(flags[i]))
            {
                result.AddRange([flags[i], flags[i + 1]]);
            }
        }
        return [.. result, .. more];
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
