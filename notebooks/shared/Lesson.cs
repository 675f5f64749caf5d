using System.Globalization;
using System.Text;

namespace Scratch.Lessons;

/// <summary>
/// What every lesson shares: the <c>--quick</c> flag, narration, tables, self-checks and pictures.
/// <para>
/// A lesson calls <see cref="Start"/> first and ends with <c>return Lesson.Finish();</c>. Every claim it
/// prints goes through <see cref="Check"/> (or <see cref="Close"/>): the claim is printed with ✓ or ✗, and a
/// single ✗ makes <see cref="Finish"/> return 1, so the process exits non-zero and the tests that run the
/// lessons go red. Pictures go to <c>notebooks/out/NN/</c> (git-ignored).
/// </para>
/// </summary>
public static class Lesson
{
    private static readonly List<string> failures = [];
    private static int checks;
    private static string id = "00";

    /// <summary>True with <c>--quick</c>: fewer steps and smaller sizes, every check still run (for CI).</summary>
    public static bool Quick { get; private set; }

    /// <summary>The repository's root folder (the parent of <c>notebooks/</c>).</summary>
    public static string Root { get; private set; } = Directory.GetCurrentDirectory();

    /// <summary>This lesson's picture folder, <c>notebooks/out/NN/</c>.</summary>
    public static string OutDir => Path.Combine(Root, "notebooks", "out", id);

    /// <summary>Reads the flags, finds the repository, prints the title. <paramref name="number"/> is "01", "02", ….</summary>
    public static void Start(string[] args, string number, string title)
    {
        foreach (var arg in args)
        {
            if (arg == "--quick")
            {
                Quick = true;
            }
            else
            {
                Console.Error.WriteLine($"lesson {number}: unknown argument '{arg}' (the only flag is --quick)");
                Environment.Exit(2);
            }
        }
        id = number;
        // A file-based app knows where its source file is; fall back to the working directory.
        if (AppContext.GetData("EntryPointFileDirectoryPath") is string notebooks && Directory.Exists(notebooks))
        {
            Root = Path.GetFullPath(Path.Combine(notebooks, ".."));
        }
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        Console.OutputEncoding = Encoding.UTF8;
        string heading = $"Lesson {number}: {title}{(Quick ? "  (quick mode)" : "")}";
        Console.WriteLine(heading);
        Console.WriteLine(new string('=', heading.Length));
        Console.WriteLine();
    }

    /// <summary>A path under the repository's data folder beside it: <c>Data("tinyshakespeare.txt")</c> is <c>../shared/data/tinyshakespeare.txt</c>.</summary>
    public static string Data(string relative) => Path.GetFullPath(Path.Combine(Root, "..", "shared", "data", relative));

    /// <summary>A section heading.</summary>
    public static void Section(string title)
    {
        Console.WriteLine();
        Console.WriteLine($"## {title}");
        Console.WriteLine();
    }

    /// <summary>A paragraph of narration, wrapped at 100 columns.</summary>
    public static void Say(string text)
    {
        foreach (var paragraph in text.Split('\n'))
        {
            var line = new StringBuilder();
            foreach (var word in paragraph.Split(' '))
            {
                if (line.Length > 0 && line.Length + 1 + word.Length > 100)
                {
                    Console.WriteLine(line);
                    line.Clear();
                }
                line.Append(line.Length > 0 ? " " : "").Append(word);
            }
            Console.WriteLine(line);
        }
    }

    /// <summary>A table with aligned columns: numbers right-aligned, text left-aligned.</summary>
    public static void Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<object>> rows)
    {
        var cells = rows.Select(r => r.Select(Cell).ToArray()).ToList();
        var widths = headers.Select((h, c) => Math.Max(h.Length, cells.Select(r => c < r.Length ? r[c].Length : 0).DefaultIfEmpty(0).Max())).ToArray();
        bool[] numeric = headers.Select((_, c) => cells.Count > 0 && cells.All(r => c < r.Length && IsNumber(r[c]))).ToArray();
        string Row(IReadOnlyList<string> r) =>
            "  " + string.Join("  ", r.Select((s, c) => numeric[c] ? s.PadLeft(widths[c]) : s.PadRight(widths[c]))).TrimEnd();
        Console.WriteLine(Row(headers));
        Console.WriteLine("  " + string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var r in cells)
        {
            Console.WriteLine(Row(r));
        }
        Console.WriteLine();
    }

    /// <summary>Prints the claim with ✓ when it holds and ✗ when it does not; a ✗ makes the lesson fail.</summary>
    public static bool Check(bool holds, string claim)
    {
        checks++;
        Console.WriteLine($"  {(holds ? "✓" : "✗")} {claim}");
        if (!holds)
        {
            failures.Add(claim);
        }
        return holds;
    }

    /// <summary>Checks |actual − expected| ≤ tolerance · max(1, |expected|), printing both numbers.</summary>
    public static bool Close(double actual, double expected, double tolerance, string what) =>
        Check(Math.Abs(actual - expected) <= tolerance * Math.Max(1, Math.Abs(expected)),
            $"{what}: {G(actual)} ≈ {G(expected)} (within {G(tolerance)})");

    /// <summary>Writes an SVG picture to <see cref="OutDir"/> and says where it is.</summary>
    public static string Picture(string fileName, string svg)
    {
        Directory.CreateDirectory(OutDir);
        string path = Path.Combine(OutDir, fileName);
        File.WriteAllText(path, svg);
        Console.WriteLine($"  [picture] {Path.GetRelativePath(Root, path)}");
        return path;
    }

    /// <summary>Prints how many checks held; returns the exit code (0 when all held, 1 otherwise).</summary>
    public static int Finish()
    {
        Console.WriteLine();
        if (failures.Count == 0)
        {
            Console.WriteLine($"All {checks} checks passed.");
            return 0;
        }
        Console.WriteLine($"{failures.Count} of {checks} checks FAILED:");
        foreach (var claim in failures)
        {
            Console.WriteLine($"  ✗ {claim}");
        }
        return 1;
    }

    /// <summary>Text with its newlines and spaces made visible (⏎, ␣), for showing prompts and tokens.</summary>
    public static string Visible(string s) => s.Replace("\n", "⏎").Replace(" ", "␣");

    /// <summary>A number in 6 significant digits, invariant culture (1.5, -0.000123457, 1.23457e+08, 1e-06).</summary>
    public static string G(double v) => v.ToString("G6", CultureInfo.InvariantCulture).Replace("E", "e");

    private static string Cell(object o) => o switch
    {
        double d => G(d),
        float f => G(f),
        _ => Convert.ToString(o, CultureInfo.InvariantCulture) ?? "",
    };

    // A number, also with thousands separators or a percent sign ("1,234,567", "8.30 %"): right-aligned in tables.
    private static bool IsNumber(string s) =>
        double.TryParse(s.EndsWith('%') ? s[..^1].TrimEnd() : s, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out _)
        || s is "—" or "NaN" or "∞" or "-∞";
}
