using FsCheck;
using Scratch.Gpt.Tokenizers;

namespace Scratch.Gpt.Tests;

/// <summary>The Shakespeare corpus (never copied into the repository) and FsCheck helpers.</summary>
internal static class Corpus
{
    private static readonly Lazy<string> shakespeare = new(() => File.ReadAllText(ShakespearePath));
    private static readonly Lazy<Gpt2Tokenizer> gpt2 = new(() => Gpt2Tokenizer.FromDirectory(Gpt2Dir));

    /// <summary>GPT-2's tokenizer from <see cref="Gpt2Dir"/>, loaded once.</summary>
    public static Gpt2Tokenizer Gpt2 => gpt2.Value;

    /// <summary>The folder holding Scratch.sln (the clone).</summary>
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Scratch.sln")))
                dir = dir.Parent;
            if (dir is null)
                throw new InvalidOperationException($"no Scratch.sln above {AppContext.BaseDirectory}");
            return dir.FullName;
        }
    }

    /// <summary>../shared/data/tinyshakespeare.txt, relative to the folder holding Scratch.sln.</summary>
    public static string ShakespearePath => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "data", "tinyshakespeare.txt"));

    public static string Shakespeare => shakespeare.Value;

    /// <summary>
    /// ../shared/data/gpt2: OpenAI's encoder.json and vocab.bpe (never copied into the repository). Missing
    /// files fail the test with a message saying where they were looked for.
    /// </summary>
    public static string Gpt2Dir
    {
        get
        {
            var dir = Path.Combine(Path.GetDirectoryName(ShakespearePath)!, "gpt2");
            foreach (var file in new[] { "encoder.json", "vocab.bpe" })
                if (!File.Exists(Path.Combine(dir, file)))
                    throw new InvalidOperationException(
                        $"GPT-2's vocabulary is missing: no {Path.Combine(dir, file)} (shared/data/gpt2 beside the clone holds encoder.json and vocab.bpe; see its README)");
            return dir;
        }
    }

    /// <summary>Runs a property; FsCheck's failure message carries the seed to replay it with.</summary>
    public static void Check(Property property, int maxTest = 100) =>
        FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(maxTest), property);
}
