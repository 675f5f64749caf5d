using System.Collections.Concurrent;
using System.Diagnostics;

// The lessons build one after another, never two at once: their builds share the libraries' obj folders.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Scratch.Notebooks.Tests;

/// <summary>What one run of a lesson printed, and how it ended.</summary>
public sealed record LessonRun(string File, int ExitCode, string Output, string Errors, TimeSpan Elapsed)
{
    /// <summary>The number printed after <paramref name="prefix"/> on the first line that has it.</summary>
    public double NumberAfter(string prefix)
    {
        int at = Output.IndexOf(prefix, StringComparison.Ordinal);
        Assert.True(at >= 0, $"{File}: no \"{prefix}\" in its output");
        var rest = Output[(at + prefix.Length)..].TrimStart();
        int end = 0;
        while (end < rest.Length && (char.IsDigit(rest[end]) || rest[end] is '.' or '-' or '+' or 'e' or 'E'))
        {
            end++;
        }
        return double.Parse(rest[..end], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Asserts the lesson exited 0 and printed its closing line "All N checks passed." with N ≥ <paramref name="minChecks"/>.</summary>
    public void AssertPassed(int minChecks)
    {
        Assert.True(ExitCode == 0, $"{File} exited with {ExitCode}.\n--- output ---\n{Output}\n--- errors ---\n{Errors}");
        Assert.DoesNotContain("✗", Output);
        Assert.True(NumberAfter("All ") >= minChecks, $"{File}: fewer than {minChecks} checks ran");
    }
}

/// <summary>
/// Runs a lesson as a learner would, <c>dotnet run notebooks/NN-name.cs -- --quick</c> from the repository root,
/// once per test run: every test of a lesson reads the same run.
/// </summary>
public static class LessonRunner
{
    private static readonly ConcurrentDictionary<string, Lazy<LessonRun>> runs = new();

    /// <summary>The repository root: the folder above this assembly that holds Scratch.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The lesson files, NN-name.cs, in reading order.</summary>
    public static IEnumerable<string> Lessons() =>
        Directory.GetFiles(Path.Combine(Root, "notebooks"), "*.cs")
            .Select(Path.GetFileName)
            .Where(f => f!.Length > 3 && char.IsDigit(f[0]) && char.IsDigit(f[1]) && f[2] == '-')
            .Order(StringComparer.Ordinal)!;

    /// <summary>The run of <paramref name="file"/> (for example "01-derivatives.cs") in quick mode.</summary>
    public static LessonRun Run(string file) => runs.GetOrAdd(file, f => new Lazy<LessonRun>(() => Start(f))).Value;

    private static LessonRun Start(string file)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
        };
        foreach (var arg in new[] { "run", Path.Combine("notebooks", file), "--", "--quick" })
        {
            info.ArgumentList.Add(arg);
        }
        // The test host runs under MSBuild's environment; the lesson's build must find its own SDK settings.
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(name);
        }
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
        }
        process.WaitForExit();
        return new LessonRun(file, process.ExitCode, output, errors.Result, clock.Elapsed);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Scratch.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no Scratch.sln above {AppContext.BaseDirectory}");
    }
}
