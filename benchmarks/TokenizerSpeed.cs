using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Scratch.Gpt.Tokenizers;

namespace Scratch.Benchmarks;

/// <summary>
/// How fast GPT-2's tokenizer encodes tiny Shakespeare (1.1 MB, 338,025 tokens), in tokens per second.
/// <code>
/// dotnet run -c Release --project benchmarks -- tokenize [runs = 5]
/// </code>
/// First it checks the result: the ids of all of Shakespeare must have the count and SHA-256 that OpenAI's
/// encoder.py gives in Python (tests/Gpt.Tests/Fixtures/gpt2_encoder_py.json), and decode back to the text.
/// Then two timings, each the median of the runs: "cold", a freshly loaded tokenizer whose cache of pieces
/// starts empty (the cost of a first encoding, what <c>scratch train</c> pays), and "warm", the same text again
/// with every piece already in the cache. Loading the two files is timed too.
/// </summary>
public static class TokenizerSpeed
{
    /// <summary>Runs the benchmark; exit code 1 if the ids are wrong.</summary>
    public static int Run(string[] args)
    {
        var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        var root = RepoRoot();
        var vocab = Path.GetFullPath(Path.Combine(root, "..", "shared", "data", "gpt2"));
        var text = File.ReadAllText(Path.Combine(root, "..", "shared", "data", "tinyshakespeare.txt"));
        Console.WriteLine($"GPT-2 tokenizer on tiny Shakespeare ({text.Length:N0} characters), .NET {Environment.Version}, {Environment.ProcessorCount} cores, one thread");

        if (!Verify(Gpt2Tokenizer.FromDirectory(vocab), text, root))
            return 1;

        var load = new List<double>();
        var cold = new List<(double Wall, double Cpu)>();
        var warm = new List<(double Wall, double Cpu)>();
        var tokens = 0;
        for (var run = 0; run < runs; run++)
        {
            var start = Stopwatch.GetTimestamp();
            var tokenizer = Gpt2Tokenizer.FromDirectory(vocab);       // a fresh tokenizer: empty cache
            load.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
            cold.Add(Time(() => tokens = tokenizer.Encode(text).Length));
            warm.Add(Time(() => tokenizer.Encode(text)));
        }
        Console.WriteLine($"load vocab.json + merges.txt: median {Median(load) * 1000:F0} ms");
        Report("cold cache", cold, tokens, text.Length);
        Report("warm cache", warm, tokens, text.Length);
        Console.WriteLine($"runs: {runs}; cold {string.Join(", ", cold.Select(t => $"{t.Wall * 1000:F0}"))} ms; warm {string.Join(", ", warm.Select(t => $"{t.Wall * 1000:F0}"))} ms");
        return 0;
    }

    /// <summary>Wall-clock and CPU seconds of <paramref name="work"/>. Encoding runs on one thread (and the
    /// workstation GC on that thread), so on a machine shared with other jobs the CPU time is the steadier figure.</summary>
    private static (double Wall, double Cpu) Time(Action work)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var start = Stopwatch.GetTimestamp();
        work();
        return (Stopwatch.GetElapsedTime(start).TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
    }

    private static void Report(string what, List<(double Wall, double Cpu)> times, int tokens, int chars)
    {
        double wall = Median([.. times.Select(t => t.Wall)]), cpu = Median([.. times.Select(t => t.Cpu)]);
        Console.WriteLine($"encode, {what}: median {wall * 1000:F0} ms = {tokens / wall / 1e6:F2} M tokens/s ({chars / wall / 1e6:F1} M chars/s); "
            + $"CPU {cpu * 1000:F0} ms = {tokens / cpu / 1e6:F2} M tokens per CPU-second");
    }

    /// <summary>The ids of the whole text against encoder.py's count and hash; decoding gives the text back.</summary>
    private static bool Verify(Gpt2Tokenizer tokenizer, string text, string root)
    {
        using var fixture = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "tests", "Gpt.Tests", "Fixtures", "gpt2_encoder_py.json")));
        var expected = fixture.RootElement.GetProperty("shakespeare");
        var ids = tokenizer.Encode(text);
        var bytes = new byte[ids.Length * 4];
        for (var i = 0; i < ids.Length; i++)
            BitConverter.TryWriteBytes(bytes.AsSpan(4 * i), ids[i]);
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var ok = ids.Length == expected.GetProperty("tokens").GetInt32() && hash == expected.GetProperty("sha256_int32le").GetString()
            && tokenizer.Decode(ids) == text && tokenizer.Encode("Hello world").SequenceEqual([15496, 995]);
        Console.WriteLine(ok ? $"check: {ids.Length:N0} ids equal encoder.py's (SHA-256 {hash[..12]}…) and decode to the text"
            : $"check FAILED: {ids.Length:N0} ids, SHA-256 {hash}; expected {expected}");
        return ok;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Scratch.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException($"no Scratch.sln above {AppContext.BaseDirectory}");
    }
}
