using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Scratch.Docs.Tests;

/// <summary>
/// The line budget of the libraries (tinygrad keeps one for its core): a source file holds at most
/// <see cref="MaxFileLines"/> lines and a method at most <see cref="MaxMethodLines"/>, so that each
/// piece fits on a screen or two. A file may be exempt when a comment at its top, above its first type,
/// says why: <c>// Line budget: exempt because …</c>.
/// <para>
/// A method's lines run from its signature to its closing brace (or the <c>;</c> of an expression
/// body), both included; its doc comment and attributes are not counted, its local functions and
/// lambdas are. Constructors, operators, finalizers and property or indexer accessors with a body
/// count as methods; so do a file's top-level statements, taken together.
/// </para>
/// </summary>
internal static class LineBudget
{
    public const int MaxFileLines = 300;
    public const int MaxMethodLines = 60;
    public const string Marker = "// Line budget: exempt because ";

    /// <summary>A file or method over its budget.</summary>
    public sealed record Overrun(string File, string What, int Line, int Lines, int Limit)
    {
        public override string ToString() => What == "file"
            ? $"{File}: {Lines} lines (budget {Limit})"
            : $"{File}:{Line}: {What} runs {Lines} lines (budget {Limit})";
    }

    /// <summary>The number of lines an editor shows: a final newline does not start another line.</summary>
    public static int CountLines(string text)
    {
        if (text.Length == 0)
        {
            return 0;
        }
        int newlines = text.Count(c => c == '\n');
        return text.EndsWith('\n') ? newlines : newlines + 1;
    }

    /// <summary>Every method-like member of <paramref name="text"/>: its name, first line (1-based) and length in lines.</summary>
    public static IReadOnlyList<(string Name, int Line, int Lines)> Methods(string text)
    {
        var root = CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.Preview)).GetRoot();
        var methods = new List<(string, int, int)>();
        foreach (var node in root.DescendantNodes())
        {
            switch (node)
            {
                case BaseMethodDeclarationSyntax method when method.Body is not null || method.ExpressionBody is not null:
                    methods.Add(Measure(node, method.AttributeLists, $"{TypeName(node)}.{MemberName(method)}"));
                    break;
                case AccessorDeclarationSyntax accessor when accessor.Body is not null || accessor.ExpressionBody is not null:
                    var property = accessor.Parent!.Parent!; // accessor → accessor list → property, indexer or event
                    string owner = property switch
                    {
                        PropertyDeclarationSyntax p => p.Identifier.Text,
                        EventDeclarationSyntax e => e.Identifier.Text,
                        _ => "this[]",
                    };
                    methods.Add(Measure(node, accessor.AttributeLists, $"{TypeName(node)}.{owner}.{accessor.Keyword.Text}"));
                    break;
            }
        }
        var statements = root.ChildNodes().OfType<GlobalStatementSyntax>().ToList();
        if (statements.Count > 0)
        {
            int first = Line(statements[0].GetFirstToken()), last = Line(statements[^1].GetLastToken());
            methods.Add(("top-level statements", first + 1, last - first + 1));
        }
        return methods;
    }

    /// <summary>The reason given at the top of the file (above its first type), or null when it gives none.</summary>
    public static string? Exemption(string text)
    {
        var root = CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.Preview)).GetRoot();
        var firstType = root.DescendantNodes().OfType<MemberDeclarationSyntax>()
            .FirstOrDefault(m => m is BaseTypeDeclarationSyntax or DelegateDeclarationSyntax);
        int limit = firstType is null ? int.MaxValue : firstType.GetLocation().GetLineSpan().StartLinePosition.Line;
        string[] lines = text.Split('\n');
        for (int i = 0; i < Math.Min(limit, lines.Length); i++)
        {
            string line = lines[i].Trim();
            if (line.StartsWith(Marker, StringComparison.Ordinal) && line.Length > Marker.Length)
            {
                return line[Marker.Length..];
            }
        }
        return null;
    }

    /// <summary>Every way the file breaks the budget, exempt or not.</summary>
    public static IReadOnlyList<Overrun> Overruns(string path, string text)
    {
        var overruns = new List<Overrun>();
        int lines = CountLines(text);
        if (lines > MaxFileLines)
        {
            overruns.Add(new Overrun(path, "file", 1, lines, MaxFileLines));
        }
        foreach (var (name, line, count) in Methods(text))
        {
            if (count > MaxMethodLines)
            {
                overruns.Add(new Overrun(path, name, line, count, MaxMethodLines));
            }
        }
        return overruns;
    }

    private static (string, int, int) Measure(SyntaxNode node, SyntaxList<AttributeListSyntax> attributes, string name)
    {
        // The signature starts after the attributes; leading trivia (the doc comment) is not part of a token.
        var first = attributes.Count > 0 ? attributes[^1].GetLastToken().GetNextToken() : node.GetFirstToken();
        int start = Line(first), end = Line(node.GetLastToken());
        return (name, start + 1, end - start + 1);
    }

    private static int Line(SyntaxToken token) => token.GetLocation().GetLineSpan().StartLinePosition.Line;

    private static string TypeName(SyntaxNode node) =>
        node.Ancestors().OfType<BaseTypeDeclarationSyntax>().FirstOrDefault()?.Identifier.Text ?? "?";

    private static string MemberName(BaseMethodDeclarationSyntax method) => method switch
    {
        MethodDeclarationSyntax m => m.Identifier.Text,
        ConstructorDeclarationSyntax c => c.Identifier.Text,
        DestructorDeclarationSyntax d => "~" + d.Identifier.Text,
        OperatorDeclarationSyntax o => "operator " + o.OperatorToken.Text,
        ConversionOperatorDeclarationSyntax c => "operator " + c.Type,
        _ => method.Kind().ToString(),
    };
}
