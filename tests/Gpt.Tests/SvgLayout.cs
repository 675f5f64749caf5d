using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Scratch.Gpt.Tests;

/// <summary>
/// Reads an SVG picture the way a reader sees it: every text with the box it covers (position, text-anchor, font
/// size inherited from its ancestors, rotate(…) transforms, the x/y offset of nested &lt;svg&gt; panels), so that a
/// test can check that no text leaves the canvas and no two texts overlap. A text is taken to be 0.6 em a character
/// wide (a monospace font exactly), 0.75 em above its baseline and 0.2 em below.
/// </summary>
internal sealed partial class SvgLayout
{
    public static readonly XNamespace Ns = "http://www.w3.org/2000/svg";

    public sealed record TextBox(string Text, string Class, double X0, double Y0, double X1, double Y1)
    {
        public bool Overlaps(TextBox o, double slack = 0.5) =>
            X0 + slack < o.X1 && o.X0 + slack < X1 && Y0 + slack < o.Y1 && o.Y0 + slack < Y1;

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"'{Text}' ({Class}) [{X0:0.#}, {X1:0.#}] × [{Y0:0.#}, {Y1:0.#}]");
    }

    public XElement Root { get; }
    public double Width { get; }
    public double Height { get; }
    public List<TextBox> Texts { get; } = [];

    public SvgLayout(string svg)
    {
        Root = XElement.Parse(svg);
        Width = Number(Root.Attribute("width")!.Value);
        Height = Number(Root.Attribute("height")!.Value);
        Walk(Root, 0, 0, 16);
    }

    /// <summary>The texts whose class list holds every one of <paramref name="classes"/>.</summary>
    public List<TextBox> WithClass(params string[] classes) =>
        Texts.Where(t => classes.All(c => t.Class.Split(' ').Contains(c))).ToList();

    /// <summary>Fails naming the text when one leaves the canvas or two overlap.</summary>
    public void AssertReadable()
    {
        foreach (var t in Texts)
        {
            Assert.True(t.X0 >= -0.5 && t.Y0 >= -0.5 && t.X1 <= Width + 0.5 && t.Y1 <= Height + 0.5,
                $"{t} is outside the {Width}×{Height} canvas");
        }
        for (int i = 0; i < Texts.Count; i++)
        {
            for (int j = i + 1; j < Texts.Count; j++)
            {
                Assert.False(Texts[i].Overlaps(Texts[j]), $"{Texts[i]} overlaps {Texts[j]}");
            }
        }
    }

    /// <summary>Fails unless the numbers are round ticks: equally spaced by 1, 2 or 5 × 10^k, each a whole multiple of the step.</summary>
    public static void AssertRoundTicks(IReadOnlyList<double> ticks, bool log = false)
    {
        Assert.True(ticks.Count >= 2, $"only {ticks.Count} ticks");
        if (log)
        {
            foreach (double t in ticks)
            {
                double mantissa = t / Math.Pow(10, Math.Floor(Math.Log10(t) + 1e-9));
                Assert.True(new[] { 1.0, 2, 5 }.Any(m => Math.Abs(mantissa - m) < 1e-6), $"log tick {t} is not 1, 2 or 5 × 10^k");
            }
            return;
        }
        double step = ticks[1] - ticks[0];
        double power = Math.Pow(10, Math.Floor(Math.Log10(step) + 1e-9)), m = step / power;
        Assert.True(new[] { 1.0, 2, 5 }.Any(c => Math.Abs(m - c) < 1e-6), $"tick step {step} is not 1, 2 or 5 × 10^k (ticks {string.Join(", ", ticks)})");
        for (int i = 0; i < ticks.Count; i++)
        {
            Assert.True(Math.Abs(ticks[i] / step - Math.Round(ticks[i] / step)) < 1e-6, $"tick {ticks[i]} is not a multiple of {step}");
            if (i > 0)
            {
                Assert.True(Math.Abs(ticks[i] - ticks[i - 1] - step) < 1e-6 * step, $"ticks {string.Join(", ", ticks)} are not equally spaced");
            }
        }
    }

    /// <summary>The numbers of the tick labels of one class ("x", "y", "colour").</summary>
    public List<double> TickValues(string axis) => WithClass("tick", axis).Select(t => Number(t.Text)).ToList();

    public static double Number(string s) => double.Parse(s.Replace('−', '-'), NumberStyles.Float, CultureInfo.InvariantCulture);

    private void Walk(XElement e, double dx, double dy, double fontSize)
    {
        if (e.Attribute("font-size") is { } size)
        {
            fontSize = Number(size.Value);
        }
        if (e != Root && e.Name == Ns + "svg")
        {
            dx += Number(e.Attribute("x")?.Value ?? "0");
            dy += Number(e.Attribute("y")?.Value ?? "0");
        }
        if (e.Name == Ns + "text")
        {
            Texts.Add(Box(e, dx, dy, fontSize));
            return;
        }
        foreach (var child in e.Elements())
        {
            Walk(child, dx, dy, fontSize);
        }
    }

    private static TextBox Box(XElement text, double dx, double dy, double fontSize)
    {
        string content = text.Value;
        double x = Number(text.Attribute("x")?.Value ?? "0"), y = Number(text.Attribute("y")?.Value ?? "0");
        double w = 0.6 * fontSize * new StringInfo(content).LengthInTextElements;
        string anchor = text.Attribute("text-anchor")?.Value ?? "start";
        double x0 = anchor switch { "middle" => x - w / 2, "end" => x - w, _ => x };
        var corners = new[] { (x0, y - 0.75 * fontSize), (x0 + w, y - 0.75 * fontSize), (x0, y + 0.2 * fontSize), (x0 + w, y + 0.2 * fontSize) };
        if (text.Attribute("transform")?.Value is { } transform)
        {
            var m = Rotate().Match(transform);
            Assert.True(m.Success, $"unexpected transform '{transform}' on text '{content}'");
            double a = Number(m.Groups[1].Value) * Math.PI / 180, cx = Number(m.Groups[2].Value), cy = Number(m.Groups[3].Value);
            corners = corners.Select(p => (cx + (p.Item1 - cx) * Math.Cos(a) - (p.Item2 - cy) * Math.Sin(a),
                                           cy + (p.Item1 - cx) * Math.Sin(a) + (p.Item2 - cy) * Math.Cos(a))).ToArray();
        }
        return new TextBox(content, text.Attribute("class")?.Value ?? "",
            dx + corners.Min(p => p.Item1), dy + corners.Min(p => p.Item2), dx + corners.Max(p => p.Item1), dy + corners.Max(p => p.Item2));
    }

    [GeneratedRegex(@"^rotate\(\s*([-\d.]+)[\s,]+([-\d.]+)[\s,]+([-\d.]+)\s*\)$")]
    private static partial Regex Rotate();
}
