using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Scratch.Docs.Tests;

/// <summary>
/// Writes Autograd/Derivatives.md: every op's forward and backward rule, one row each, read from the doc comments
/// of the public members of Autograd/Ops/**/*.cs. A rule is what a summary states in math:
/// <list type="bullet">
/// <item>a one-line rule "y = tanh(x)      ∂L/∂x = ∂L/∂y · (1 − y²)": pieces are separated by runs of spaces;
/// the backward starts at the first piece that begins with ∂L/∂, the forward is what comes before it;</item>
/// <item>a &lt;para&gt; or a &lt;code&gt; line whose first piece begins with ∂L/∂ continues the backward (so do the
/// &lt;code&gt; lines after it, and "Backward, with …" adds its "with …");</item>
/// <item>&lt;code&gt; lines before the backward are the forward; without them, the summary's first sentence is, when it
/// holds an equation (up to its last clause with one, when it ends in a colon);</item>
/// <item>after a piece that starts a line, only pieces that are equations (hold =, ~ or ≈) are kept, so aligned
/// comments such as "(B, H, T, hs)" are left out; a &lt;code&gt; block of C# (a line ending in ; { or }) is an example,
/// not a rule, and prose paragraphs are left out.</item>
/// </list>
/// A member whose summary states no ∂L/∂ piece is not an op with a rule of its own (an alias such as operator +,
/// or a helper), and has no row.
/// </summary>
internal static partial class DerivativeTable
{
    public const string OpsFolder = "Autograd/Ops";
    public const string OutputPath = "Autograd/Derivatives.md";

    /// <summary>One op's row: where it is, how it is called, its forward and backward rules.</summary>
    public sealed record Rule(string File, string Op, IReadOnlyList<string> Forward, IReadOnlyList<string> Backward);

    /// <summary>A public member of an Ops file that records a graph node (calls Record) but states no rule.</summary>
    public sealed record Unstated(string File, string Op);

    [GeneratedRegex(@"\s{2,}")]
    private static partial Regex PieceSeparator();

    [GeneratedRegex(@"^\s*///\s?", RegexOptions.Multiline)]
    private static partial Regex DocPrefix();

    /// <summary>The rules of one source file, in source order; <paramref name="unstated"/> collects the ops without one.</summary>
    public static IReadOnlyList<Rule> Rules(string path, string text, List<Unstated>? unstated = null)
    {
        var root = CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.Preview)).GetRoot();
        var rules = new List<Rule>();
        foreach (var member in root.DescendantNodes().OfType<BaseMethodDeclarationSyntax>())
        {
            if (!member.Modifiers.Any(SyntaxKind.PublicKeyword) || Name(member) is not { } op)
            {
                continue;
            }
            var (forward, backward) = Parse(Summary(member));
            if (backward.Count > 0)
            {
                rules.Add(new Rule(path, op, forward, backward));
            }
            else if (member.DescendantNodes().OfType<InvocationExpressionSyntax>().Any(CallsRecord))
            {
                unstated?.Add(new Unstated(path, op));
            }
        }
        return rules;
    }

    /// <summary>The whole page for the given Ops files (repository paths and texts, in any order).</summary>
    public static string Page(IEnumerable<(string Path, string Text)> files, List<Unstated>? unstated = null)
    {
        var page = new StringBuilder();
        page.Append("""
            # Derivatives: every op's rule, one line each

            Generated from the doc comments of `Autograd/Ops/**/*.cs` by `tests/Docs.Tests/DerivativeTable.cs`; do not edit
            by hand. `tests/Docs.Tests` fails when this page and the comments differ; to rewrite it from the comments, run
            `SCRATCH_WRITE_DOCS=1 dotnet test tests/Docs.Tests -c Release --filter DerivativeTable`.

            y (or z, C, L) is the op's output and ∂L/∂y the gradient that reaches it from the loss; the backward column
            gives the gradient each input receives, which the engine adds to what that input holds (`+=`). `SumTo(g, shape)`
            sums g over the axes broadcasting stretched, ⊙ is the elementwise product, and dy, datt, … are short for
            ∂L/∂y, ∂L/∂att, … (llm.c's names). How the engine uses these rules: [README.md](README.md).

            """);
        foreach (var (path, text) in files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            var rules = Rules(path, text, unstated);
            if (rules.Count == 0)
            {
                continue;
            }
            string relative = path[(OutputPath.LastIndexOf('/') + 1)..];
            page.Append('\n').Append($"## [{Path.GetFileName(path)}]({relative})\n\n");
            page.Append("| op | forward | backward |\n|---|---|---|\n");
            foreach (var rule in rules)
            {
                page.Append($"| {Cell(rule.Op)} | {Cell(string.Join("; ", rule.Forward))} | {Cell(string.Join("; ", rule.Backward))} |\n");
            }
        }
        return page.ToString();
    }

    /// <summary>The page as the Ops folder reads now.</summary>
    public static string PageFromRepository(List<Unstated>? unstated = null) =>
        Page(Repo.Files(OpsFolder, ".cs").Select(path => (path, Repo.Read(path))), unstated);

    /// <summary>The forward and backward pieces a summary states (see the class comment).</summary>
    public static (List<string> Forward, List<string> Backward) Parse(XElement? summary)
    {
        List<string> forward = [], backward = [], lead = [];
        if (summary is null)
        {
            return (forward, backward);
        }
        bool inBackward = false, first = true;
        foreach (var (isCode, lines) in Blocks(summary))
        {
            bool wasFirst = first;
            first = false;
            if (isCode)
            {
                if (lines.Any(l => l.EndsWith(';') || l.EndsWith('{') || l.EndsWith('}')))
                {
                    continue; // a C# example
                }
                foreach (string line in lines)
                {
                    string[] pieces = PieceSeparator().Split(line);
                    inBackward |= IsRule(pieces[0]);
                    Keep(inBackward ? backward : forward, pieces);
                }
                continue;
            }
            string text = lines[0];
            string[] parts = PieceSeparator().Split(text);
            int k = Array.FindIndex(parts, IsRule);
            if (k >= 0)
            {
                if (forward.Count == 0 && k > 0)
                {
                    Keep(forward, parts[..k]);
                }
                inBackward = true;
                Keep(backward, parts[k..]);
            }
            else if (text.StartsWith("Backward", StringComparison.Ordinal))
            {
                inBackward = true;
                int with = text.IndexOf(" with ", StringComparison.Ordinal);
                if (with >= 0)
                {
                    backward.Add(text[(with + 1)..].TrimEnd(':', ' '));
                }
            }
            else if (wasFirst && IsEquation(text))
            {
                Keep(lead, PieceSeparator().Split(text.EndsWith(':') ? UpToLastEquation(text) : text));
            }
        }
        if (forward.Count == 0)
        {
            forward.AddRange(lead);
        }
        return (forward, backward);
    }

    /// <summary>
    /// A sentence that introduces a code block ("y = x · Wᵀ: y[…, n] = Σₖ x[…, k] · W[n, k], the product of …:") cut
    /// after its last clause (split at ", " outside brackets) that holds an equation.
    /// </summary>
    private static string UpToLastEquation(string text)
    {
        var clauses = new List<string>();
        int depth = 0, start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            depth += text[i] is '(' or '[' ? 1 : text[i] is ')' or ']' ? -1 : 0;
            if (depth == 0 && text[i] == ',' && i + 1 < text.Length && text[i + 1] == ' ')
            {
                clauses.Add(text[start..i]);
                start = i + 2;
            }
        }
        clauses.Add(text[start..]);
        int last = clauses.FindLastIndex(IsEquation);
        return string.Join(", ", clauses.Take(last + 1)).TrimEnd(':');
    }

    private static bool IsRule(string piece) => piece.StartsWith("∂L/∂", StringComparison.Ordinal);

    private static bool IsEquation(string piece) => piece.IndexOfAny(['=', '~', '≈']) >= 0;

    /// <summary>The first piece of a line, and every later one that is an equation; trailing commas dropped.</summary>
    private static void Keep(List<string> into, string[] pieces)
    {
        for (int i = 0; i < pieces.Length; i++)
        {
            string piece = pieces[i].Trim().TrimEnd(',');
            if (piece.Length > 0 && (i == 0 || IsEquation(piece) || IsRule(piece)))
            {
                into.Add(piece);
            }
        }
    }

    /// <summary>
    /// The summary as blocks: text (the top-level text between elements, or one &lt;para&gt;, wrapped lines joined
    /// into one) or code (one entry per non-blank line of a &lt;code&gt;).
    /// </summary>
    private static List<(bool IsCode, string[] Lines)> Blocks(XElement summary)
    {
        var blocks = new List<(bool, string[])>();
        var text = new StringBuilder();
        void Flush()
        {
            string joined = Join(text.ToString());
            if (joined.Length > 0)
            {
                blocks.Add((false, [joined]));
            }
            text.Clear();
        }
        foreach (var node in summary.Nodes())
        {
            if (node is XElement { Name.LocalName: "para" } para)
            {
                Flush();
                text.Append(Inline(para));
                Flush();
            }
            else if (node is XElement { Name.LocalName: "code" } code)
            {
                Flush();
                blocks.Add((true, code.Value.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToArray()));
            }
            else
            {
                text.Append(node is XElement e ? Inline(e) : ((XText)node).Value);
            }
        }
        Flush();
        return blocks;
    }

    /// <summary>Wrapped lines of prose joined with one space; runs of spaces inside a line (the rule separators) kept.</summary>
    private static string Join(string text) =>
        string.Join(' ', text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));

    /// <summary>An element's text: &lt;c&gt; as its text, &lt;see cref&gt; as the member's short name, &lt;paramref&gt; as the name.</summary>
    private static string Inline(XElement element) => element.Name.LocalName switch
    {
        "see" or "seealso" when element.Attribute("cref") is { } cref => ShortName(cref.Value),
        "see" or "seealso" when element.Attribute("langword") is { } word => word.Value,
        "paramref" or "typeparamref" => element.Attribute("name")?.Value ?? "",
        _ => string.Concat(element.Nodes().Select(n => n is XElement e ? Inline(e) : n is XText t ? t.Value : "")),
    };

    /// <summary>"Tensor{T}.ArgMax(int, bool)" → "Tensor.ArgMax".</summary>
    private static string ShortName(string cref)
    {
        int paren = cref.IndexOf('(', StringComparison.Ordinal);
        string name = paren >= 0 ? cref[..paren] : cref;
        return Regex.Replace(name, @"\{[^}]*\}", "");
    }

    /// <summary>The &lt;summary&gt; of a member's doc comment, or null.</summary>
    private static XElement? Summary(SyntaxNode member)
    {
        var doc = member.GetLeadingTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.SingleLineDocumentationCommentTrivia));
        if (!doc.IsKind(SyntaxKind.SingleLineDocumentationCommentTrivia))
        {
            return null;
        }
        string raw = doc.ToFullString();
        string xml = DocPrefix().Replace(raw.TrimStart().StartsWith("///", StringComparison.Ordinal) ? raw : "///" + raw, "");
        var match = Regex.Match(xml, "<summary>(.*?)</summary>", RegexOptions.Singleline);
        return match.Success ? XElement.Parse(match.Value, LoadOptions.PreserveWhitespace) : null;
    }

    /// <summary>How the op is called: "Add(a, b)", "Sum(dim, keepDim)", "a * s", "-x"; null for members that are not methods or operators.</summary>
    private static string? Name(BaseMethodDeclarationSyntax member)
    {
        string[] parameters = member.ParameterList.Parameters.Select(p => p.Identifier.Text).ToArray();
        return member switch
        {
            MethodDeclarationSyntax m => $"{m.Identifier.Text}({string.Join(", ", parameters)})",
            OperatorDeclarationSyntax o when parameters.Length == 2 => $"{parameters[0]} {o.OperatorToken.Text} {parameters[1]}",
            OperatorDeclarationSyntax o when parameters.Length == 1 => $"{o.OperatorToken.Text}{parameters[0]}",
            _ => null,
        };
    }

    private static bool CallsRecord(InvocationExpressionSyntax call) => call.Expression switch
    {
        IdentifierNameSyntax id => id.Identifier.Text == "Record",
        MemberAccessExpressionSyntax access => access.Name.Identifier.Text == "Record",
        _ => false,
    };

    /// <summary>A table cell: one code span, with | escaped for the table.</summary>
    private static string Cell(string text)
    {
        if (text.Length == 0)
        {
            return "";
        }
        string escaped = text.Replace("|", "\\|", StringComparison.Ordinal);
        return escaped.Contains('`', StringComparison.Ordinal) ? $"`` {escaped} ``" : $"`{escaped}`";
    }
}
