using System.Text.RegularExpressions;

namespace Scratch.Docs.Tests;

/// <summary>
/// The fenced blocks of a Markdown file, and the convention that ties a quoted block to its source:
/// the line just above the fence (blank lines aside) is <c>&lt;!-- from: PATH --&gt;</c>, with PATH relative to
/// the repository root. Such a block must appear in that file verbatim, up to one indentation common to all its
/// lines (a method quoted out of its class loses the class's four spaces). Code that is not in the library is
/// quoted from the test that compiles and runs it.
/// </summary>
internal static partial class Markdown
{
    /// <summary>A fenced block: where it opens (1-based line), its language, the path its marker names (or null), its lines.</summary>
    public sealed record Fence(string File, int Line, string Language, string? From, string[] Lines);

    [GeneratedRegex(@"^<!-- from: (?<path>\S+) -->$")]
    private static partial Regex MarkerLine();

    /// <summary>The languages whose blocks are C#.</summary>
    public static bool IsCSharp(string language) => language is "csharp" or "cs" or "c#";

    /// <summary>Every fenced block of <paramref name="text"/>, in order.</summary>
    /// <exception cref="FormatException">A fence is never closed.</exception>
    public static IReadOnlyList<Fence> Fences(string file, string text)
    {
        string[] lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var fences = new List<Fence>();
        for (int i = 0; i < lines.Length; i++)
        {
            string opening = lines[i].TrimStart();
            if (!opening.StartsWith("```", StringComparison.Ordinal))
            {
                continue;
            }
            int close = Array.FindIndex(lines, i + 1, l => l.Trim() == "```");
            if (close < 0)
            {
                throw new FormatException($"{file}:{i + 1}: a ``` fence that is never closed");
            }
            int above = i - 1;
            while (above >= 0 && lines[above].Trim().Length == 0)
            {
                above--;
            }
            var marker = above >= 0 ? MarkerLine().Match(lines[above].Trim()) : Match.Empty;
            fences.Add(new Fence(file, i + 1, opening[3..].Trim(), marker.Success ? marker.Groups["path"].Value : null, lines[(i + 1)..close]));
            i = close;
        }
        return fences;
    }

    /// <summary>
    /// Where <paramref name="quote"/> starts in <paramref name="source"/> (0-based line), or −1: every line of the
    /// quote equals a source line with one common indentation put in front (blank lines match blank lines, and
    /// trailing spaces are ignored).
    /// </summary>
    public static int Find(IReadOnlyList<string> quote, IReadOnlyList<string> source)
    {
        if (quote.All(line => line.Trim().Length == 0))
        {
            return -1; // nothing to find
        }
        for (int start = 0; start + quote.Count <= source.Count; start++)
        {
            if (MatchedLines(quote, source, start) == quote.Count)
            {
                return start;
            }
        }
        return -1;
    }

    /// <summary>
    /// For a quote that is not in the source: the place that matches the most leading lines, and the first line
    /// that differs there, to put in an error message.
    /// </summary>
    public static string Closest(IReadOnlyList<string> quote, IReadOnlyList<string> source)
    {
        int best = -1, bestMatched = -1;
        for (int start = 0; start < source.Count; start++)
        {
            int matched = MatchedLines(quote, source, start);
            if (matched > bestMatched)
            {
                (best, bestMatched) = (start, matched);
            }
        }
        if (bestMatched <= 0)
        {
            return $"its first line is nowhere in the file: \"{quote[0].Trim()}\"";
        }
        int line = best + bestMatched;
        string there = line < source.Count ? source[line].Trim() : "(the end of the file)";
        return $"it matches lines {best + 1}–{line} of the file, then quote line {bestMatched + 1} \"{quote[bestMatched].Trim()}\" differs from line {line + 1}: \"{there}\"";
    }

    /// <summary>How many leading lines of the quote match the source from <paramref name="start"/> on, with the indentation the first non-blank line implies.</summary>
    private static int MatchedLines(IReadOnlyList<string> quote, IReadOnlyList<string> source, int start)
    {
        string? indent = null;
        int k = 0;
        for (; k < quote.Count && start + k < source.Count; k++)
        {
            string q = quote[k].TrimEnd(), s = source[start + k].TrimEnd();
            if (q.Length == 0)
            {
                if (s.Length != 0)
                {
                    break;
                }
                continue;
            }
            indent ??= s.EndsWith(q, StringComparison.Ordinal) && s[..^q.Length].Trim().Length == 0 ? s[..^q.Length] : null;
            if (indent is null || s != indent + q)
            {
                break;
            }
        }
        return k;
    }
}
