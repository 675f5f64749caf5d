using FsCheck.Fluent;

namespace Scratch.Docs.Tests;

/// <summary>
/// Every C# block in the repository's Markdown files is quoted from a file named above it
/// (<c>&lt;!-- from: PATH --&gt;</c>: the library, or the test that compiles and runs it) and is found there
/// verbatim, so a quote cannot drift from the code it claims to be.
/// </summary>
public sealed class QuotedCodeTests
{
    private static IEnumerable<Markdown.Fence> AllFences() =>
        Repo.Files("", ".md").SelectMany(path => Markdown.Fences(path, Repo.Read(path)));

    [Fact]
    public void EveryFenceSaysWhatItHolds()
    {
        var bare = AllFences().Where(f => f.Language.Length == 0).Select(f => $"{f.File}:{f.Line}").ToList();
        Assert.True(bare.Count == 0, "these ``` fences name no language (csharp, text, bash, …), so no one can tell code from output:\n" + string.Join("\n", bare));
    }

    [Fact]
    public void EveryCSharpBlockSaysWhereItComesFrom()
    {
        var unmarked = AllFences().Where(f => Markdown.IsCSharp(f.Language) && f.From is null).Select(f => $"{f.File}:{f.Line}").ToList();
        Assert.True(unmarked.Count == 0,
            "these ```csharp blocks have no \"<!-- from: PATH -->\" line above them naming the file they are quoted from "
            + "(the library, or the test that runs them):\n" + string.Join("\n", unmarked));
    }

    [Fact]
    public void EveryQuotedBlockIsInItsFileVerbatim()
    {
        var quotes = AllFences().Where(f => f.From is not null).ToList();
        Assert.NotEmpty(quotes);
        var drifted = new List<string>();
        foreach (var fence in quotes)
        {
            string path = Repo.FullPath(fence.From!);
            if (!File.Exists(path))
            {
                drifted.Add($"{fence.File}:{fence.Line}: the block is quoted from {fence.From}, which does not exist");
                continue;
            }
            string[] source = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
            if (Markdown.Find(fence.Lines, source) < 0)
            {
                drifted.Add($"{fence.File}:{fence.Line}: the block quoted from {fence.From} is not in that file; {Markdown.Closest(fence.Lines, source)}");
            }
        }
        Assert.True(drifted.Count == 0, string.Join("\n", drifted));
    }

    private static readonly string[] Source =
    [
        "namespace N;",
        "",
        "public static class C",
        "{",
        "    /// <summary>z = a · b</summary>",
        "    public static int Mul(int a, int b)",
        "    {",
        "        int z = a * b;",
        "",
        "        return z;",
        "    }",
        "}",
    ];

    [Fact]
    public void AQuoteMayDropACommonIndentationButNothingElse()
    {
        string[] quote = ["/// <summary>z = a · b</summary>", "public static int Mul(int a, int b)", "{", "    int z = a * b;", "", "    return z;", "}"];
        Assert.Equal(4, Markdown.Find(quote, Source));
        Assert.Equal(7, Markdown.Find(["int z = a * b;"], Source));
        Assert.Equal(-1, Markdown.Find(["int z = a * b;", "return z;"], Source));           // a line left out
        Assert.Equal(-1, Markdown.Find(["public static int Mul(int a, int b)", "{", "int z = a * b;"], Source)); // re-indented
        Assert.Equal(-1, Markdown.Find(["int  z = a * b;"], Source));                        // spacing inside a line
        Assert.Equal(-1, Markdown.Find([], Source));
        Assert.Contains("quote line 3 \"int z = a * b;\" differs from line 8", Markdown.Closest(["public static int Mul(int a, int b)", "{", "int z = a * b;"], Source));
    }

    [Fact]
    public void AnyOneCharacterChangedInAQuoteIsCaught()
    {
        // Take any run of the source's lines as a quote, change one character of one non-blank line: not found.
        var cases =
            from start in Gen.Choose(4, 10)
            from length in Gen.Choose(1, 12 - start)
            from line in Gen.Choose(start, start + length - 1)
            where Source[line].Trim().Length > 0
            from column in Gen.Choose(Source[line].Length - Source[line].TrimStart().Length, Source[line].Length - 1)
            from replacement in Gen.Elements('x', ';', ' ', 'A')
            where Source[line][column] != replacement
            select (start, length, line, column, replacement);
        Properties.Check(cases, c =>
        {
            string[] quote = Source[c.start..(c.start + c.length)];
            Assert.Equal(c.start, Markdown.Find(quote, Source));
            char[] changed = quote[c.line - c.start].ToCharArray();
            changed[c.column] = c.replacement;
            quote[c.line - c.start] = new string(changed);
            Assert.Equal(-1, Markdown.Find(quote, Source));
        });
    }

    [Fact]
    public void TheMarkerIsTheLineAboveTheFence()
    {
        string md = "text\n\n<!-- from: A/B.cs -->\n\n```csharp\nint x;\n```\n\n```text\nout\n```\n```\nbare\n```\n";
        var fences = Markdown.Fences("x.md", md);
        Assert.Equal(3, fences.Count);
        Assert.Equal(("csharp", "A/B.cs", 5), (fences[0].Language, fences[0].From, fences[0].Line));
        Assert.Equal(["int x;"], fences[0].Lines);
        Assert.Equal(("text", (string?)null), (fences[1].Language, fences[1].From));
        Assert.Equal("", fences[2].Language);
        Assert.Throws<FormatException>(() => Markdown.Fences("x.md", "```csharp\nint x;\n"));
    }
}
