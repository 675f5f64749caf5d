using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Scratch.Gpt.Cli;

namespace Scratch.Gpt.Tests;

/// <summary>
/// The docs and the CLI cannot drift apart: every <c>scratch …</c> command in a Markdown file of the repository (in a
/// code block, after <c>$ </c>, after a pipe, or as <c>dotnet run --project Gpt -c Release -- …</c>) is parsed by the real
/// command line's parser. It must parse, unless the docs show it failing: then the error line they show, when it is
/// a parse error, must be the one scratch prints. A command in running text (`scratch tokenize --vocab DIR [FILE]`)
/// must name a subcommand that exists and flags it has.
/// </summary>
public sealed partial class DocumentedCommandsTests
{
    private static readonly string Root = Corpus.RepoRoot;

    /// <summary>Every Markdown file of the repository, outside build output.</summary>
    public static TheoryData<string> MarkdownFiles()
    {
        var data = new TheoryData<string>();
        foreach (string path in Directory.EnumerateFiles(Root, "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string relative = Path.GetRelativePath(Root, path);
            if (!relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or "out" or ".git" or "artifacts" or "TestResults"))
            {
                data.Add(relative);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(MarkdownFiles))]
    public void Every_command_in_a_code_block_parses_or_fails_as_documented(string file)
    {
        var lines = File.ReadAllLines(Path.Combine(Root, file));
        bool inCode = false;
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inCode = !inCode;
                continue;
            }
            string line = lines[i];
            int first = i;
            while (inCode && line.EndsWith('\\') && i + 1 < lines.Length)
            {
                line = line[..^1] + " " + lines[++i].Trim(); // a shell line continued with a backslash
            }
            if (!inCode || Command(line) is not { } args)
            {
                continue;
            }
            string where = $"{file}:{first + 1}: {line.Trim()}";
            string? error = ScratchCli.ParseError(args);
            string? shown = i + 1 < lines.Length && lines[i + 1].StartsWith($"scratch {args[0]}: error: ", StringComparison.Ordinal) ? lines[i + 1] : null;
            if (error is not null)
            {
                Assert.True(shown == error, $"{where}\n  does not parse: {error}" + (shown is null ? "" : $"\n  the docs show: {shown}"));
            }
        }
    }

    [Theory]
    [MemberData(nameof(MarkdownFiles))]
    public void Every_command_in_running_text_names_a_real_subcommand_and_real_flags(string file)
    {
        var commands = ScratchCli.Commands();
        string text = Fenced().Replace(File.ReadAllText(Path.Combine(Root, file)), "");
        foreach (Match span in InlineCode().Matches(text))
        {
            if (Command(span.Groups[1].Value.Replace('\n', ' ')) is not { Length: > 0 } args || args[0].StartsWith('-') || args[0] is "…" or "...")
            {
                continue; // `scratch` alone, `scratch …`, or `scratch --help`
            }
            string where = $"{file}: `{span.Groups[1].Value}`";
            Assert.True(commands.ContainsKey(args[0]), $"{where}: scratch has no subcommand '{args[0]}' (it has {string.Join(", ", commands.Keys)})");
            foreach (string flag in args.Skip(1).Where(a => a.StartsWith("--", StringComparison.Ordinal)))
            {
                Assert.True(commands[args[0]].Contains(flag), $"{where}: scratch {args[0]} has no flag {flag}");
            }
        }
    }

    [Fact]
    public void The_readme_installs_the_tool_the_project_packs()
    {
        var project = XDocument.Load(Path.Combine(Root, "Gpt", "Scratch.Gpt.csproj"));
        string Property(string name) => project.Descendants(name).Single().Value;
        Assert.Equal("true", Property("PackAsTool"));
        Assert.Equal("scratch", Property("ToolCommandName"));
        string readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        string install = $"dotnet pack Gpt -c Release -o artifacts && dotnet tool update --global --prerelease --add-source artifacts {Property("PackageId")}";
        Assert.Contains(install, readme);
    }

    [Fact]
    public void The_checks_see_a_wrong_flag_a_wrong_subcommand_and_a_wrong_error_line()
    {
        Assert.Equal(["train", "--data", "a b.txt", "--out", "x"], Command("$ scratch train --data 'a b.txt' --out x > log.txt")!);
        Assert.Equal(["chat", "--ckpt", "baby"], Command("printf 'Good morrow\\n' | scratch chat --ckpt baby")!);
        Assert.Equal(["eval", "--ckpt", "out"], Command("dotnet run --project Gpt -c Release -- eval --ckpt out   # a comment")!);
        Assert.Null(Command("jq -c 'select(.iter==100)' /tmp/baby.jsonl"));
        Assert.Equal("scratch train: error: Unrecognized command or argument '--max-iter'; Unrecognized command or argument '5' (see scratch train --help)",
            ScratchCli.ParseError(["train", "--max-iter", "5"]));
        Assert.NotNull(ScratchCli.ParseError(["trian"]));
        Assert.Null(ScratchCli.ParseError(["sample", "--ckpt", "baby", "--prompt", "ROMEO:", "--top-k", "20"]));
        Assert.False(ScratchCli.Commands()["sample"].Contains("--top_k"));
    }

    /// <summary>
    /// The arguments after <c>scratch</c> (or after <c>dotnet run --project Gpt -c Release --</c>) on a shell line, split
    /// as the shell splits them (quotes, backslashes), up to a redirection, a pipe, a comment or the line's end; null when
    /// the line runs no scratch command.
    /// </summary>
    internal static string[]? Command(string line)
    {
        var words = Words(line);
        for (int i = 0; i < words.Count; i++)
        {
            int start = -1;
            if (words[i] == "scratch" && (i == 0 || words[i - 1] is "$" or "|" or "&&" or ";" or "dotnet"))
            {
                start = i + 1;
            }
            else if (words[i] == "dotnet" && words.Skip(i).Take(6).SequenceEqual(["dotnet", "run", "--project", "Gpt", "-c", "Release"]) && i + 6 < words.Count && words[i + 6] == "--")
            {
                start = i + 7;
            }
            if (start >= 0 && !(start < words.Count && words[start].EndsWith(':'))) // "scratch train: error: …" is output, not a command
            {
                return words.Skip(start).TakeWhile(w => w is not ("|" or "&&" or ";" or ">" or ">>" or "2>" or "2>&1" or "#")).ToArray();
            }
        }
        return null;
    }

    /// <summary>Shell words; the operators | && ; > and # stand alone.</summary>
    private static List<string> Words(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '\'' || c == '"')
            {
                int end = line.IndexOf(c, i + 1);
                end = end < 0 ? line.Length : end;
                string quoted = line[(i + 1)..end];
                word.Append(c == '"' ? quoted.Replace("\\\"", "\"", StringComparison.Ordinal) : quoted);
                inWord = true;
                i = end;
            }
            else if (c == '\\' && i + 1 < line.Length)
            {
                word.Append(line[++i]);
                inWord = true;
            }
            else if (char.IsWhiteSpace(c) || c is '|' or ';' or '>' || (c == '#' && !inWord) || (c == '&' && i + 1 < line.Length && line[i + 1] == '&'))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
                if (c == '&')
                {
                    words.Add("&&");
                    i++;
                }
                else if (!char.IsWhiteSpace(c))
                {
                    words.Add(c.ToString());
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }
        if (inWord)
        {
            words.Add(word.ToString());
        }
        return words;
    }

    [GeneratedRegex("```.*?```", RegexOptions.Singleline)]
    private static partial Regex Fenced();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex InlineCode();
}
