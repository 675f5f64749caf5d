using System.Xml.Linq;
using Scratch.Gpt.Plots;

namespace Scratch.Gpt.Tests;

public sealed class PlotTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Theory]
    [InlineData(0.13, 0.87, new[] { 0.0, 0.2, 0.4, 0.6, 0.8, 1.0 })]
    [InlineData(1.70, 4.17, new[] { 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5 })]
    [InlineData(0, 2000, new[] { 0.0, 500, 1000, 1500, 2000 })]
    [InlineData(-3, 7, new[] { -4.0, -2, 0, 2, 4, 6, 8 })]
    public void Linear_ticks_are_round_and_cover_the_range(double lo, double hi, double[] expected) =>
        Assert.Equal(expected, Ticks.Linear(lo, hi));

    [Fact]
    public void Nice_steps_are_one_two_or_five_times_a_power_of_ten()
    {
        Assert.Equal(0.2, Ticks.NiceStep(0.15), 12);
        Assert.Equal(5, Ticks.NiceStep(3.1), 12);
        Assert.Equal(10, Ticks.NiceStep(7), 12);
        Assert.Equal(1e-3, Ticks.NiceStep(1e-3), 15);
    }

    [Fact]
    public void Log_ticks_are_decades_and_refine_for_narrow_ranges()
    {
        Assert.Equal([1e-3, 1e-2, 1e-1, 1, 10], Ticks.Log(0.002, 7));
        Assert.Equal([1, 2, 5, 10], Ticks.Log(1.5, 9));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ticks.Log(0, 1));
    }

    [Fact]
    public void A_chart_is_well_formed_svg_with_its_title_labels_and_series()
    {
        var chart = new Chart("loss <train & val>", "step", "loss") { LogY = true }
            .Line("train", [0, 1, 2, 3], [4.0, 2.0, double.NaN, 1.0])
            .Points("evals", [0, 3], [4.0, 1.0], labels: ["a", "b"]);
        var root = XElement.Parse(chart.ToSvg());
        Assert.Equal("640", root.Attribute("width")!.Value);
        var texts = root.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("loss <train & val>", texts);
        Assert.Contains("loss (log scale)", texts);
        Assert.Contains("train", texts);
        // The NaN breaks the line into two pieces: (0, 1) and (3).
        Assert.Equal(2, root.Descendants(Svg + "polyline").Count());
        Assert.Equal(2 + 1, root.Descendants(Svg + "circle").Count()); // two dots and the legend's
    }

    [Fact]
    public void A_given_range_is_kept_exactly_and_points_outside_it_are_not_drawn()
    {
        var chart = new Chart("t", "x", "y") { XRange = (-0.5, 2.5), YRange = (0, 1) }
            .Points(null, [0, 1, 5], [0.5, 0.5, 0.5]);
        var root = XElement.Parse(chart.ToSvg());
        Assert.Equal(2, root.Descendants(Svg + "circle").Count());
        var tickLabels = root.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("2", tickLabels);
        Assert.DoesNotContain("3", tickLabels);
    }

    [Fact]
    public void Contours_of_a_cone_lie_on_its_circle()
    {
        var xs = Enumerable.Range(0, 41).Select(i => -2 + i * 0.1).ToArray();
        var values = new double[xs.Length, xs.Length];
        for (int j = 0; j < xs.Length; j++)
        {
            for (int i = 0; i < xs.Length; i++)
            {
                values[j, i] = Math.Sqrt(xs[i] * xs[i] + xs[j] * xs[j]);
            }
        }
        var segments = Contours.Segments(values, xs, xs, level: 1.0);
        Assert.True(segments.Count > 20);
        foreach (var (x0, y0, x1, y1) in segments)
        {
            Assert.InRange(Math.Sqrt(x0 * x0 + y0 * y0), 0.98, 1.02);
            Assert.InRange(Math.Sqrt(x1 * x1 + y1 * y1), 0.98, 1.02);
        }
    }

    [Fact]
    public void A_heatmap_has_one_cell_per_value_and_a_colour_bar()
    {
        var values = new double[,] { { 0, 1, 2 }, { 3, 4, 5 } };
        var root = XElement.Parse(new Chart("h", "x", "y").Heatmap(values, [0, 1, 2], [0, 1], colourBarLabel: "v").ToSvg());
        var fills = root.Descendants(Svg + "rect").Select(r => r.Attribute("fill")?.Value).ToList();
        Assert.Contains(Colours.Viridis(0), fills);
        Assert.Contains(Colours.Viridis(1), fills);
        Assert.Contains("v", root.Descendants(Svg + "text").Select(t => t.Value));
    }

    [Fact]
    public void Colour_scales_run_from_their_first_stop_to_their_last()
    {
        Assert.Equal("#440154", Colours.Viridis(0));
        Assert.Equal("#fde725", Colours.Viridis(1));
        Assert.Equal("#ffffff", Colours.WhiteBlue(0));
        Assert.Equal("#f7f7f7", Colours.BlueWhiteRed(0.5));
    }

    [Fact]
    public void A_bar_chart_has_a_bar_per_value_and_rejects_ragged_groups()
    {
        var bars = new BarChart("size", "MB").Categories(["f32", "f16"]).Group("size", [3.2, 1.6]).Group("loss", [1.9, 1.9]);
        var root = XElement.Parse(bars.ToSvg());
        Assert.Equal(4 + 2 + 1, root.Descendants(Svg + "rect").Count()); // 4 bars, 2 legend swatches, the background
        Assert.Throws<ArgumentException>(() => new BarChart("t", "y").Categories(["a"]).Group("g", [1, 2]).ToSvg());
    }

    [Fact]
    public void A_log_bar_chart_has_decade_ticks_and_bars_whose_heights_follow_log10()
    {
        var bars = new BarChart("memory", "bytes") { LogY = true }.Categories(["a", "b", "c"]).Group("size", [3e2, 3e5, 0]);
        var root = XElement.Parse(bars.ToSvg());
        var labels = root.Elements(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("100", labels);
        Assert.Contains("1e+6", labels);
        Assert.DoesNotContain("200", labels); // decades only
        Assert.Contains("bytes (log scale)", labels);
        var heights = root.Elements(Svg + "rect").Skip(1).Select(r => double.Parse(r.Attribute("height")!.Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(2, heights.Count); // the value 0 has no bar on a log axis
        // From 1e2 to 1e6 is four decades; 3e2 rises log10(3) decades, 3e5 rises 3 + log10(3): heights in that ratio.
        Assert.Equal((3 + Math.Log10(3)) / Math.Log10(3), heights[1] / heights[0], 2);
    }

    [Fact]
    public void Bar_chart_legend_entries_do_not_overlap_however_long_their_names()
    {
        var bars = new BarChart("t", "y").Categories(["a"]).Group("a rather long name for the first group", [1]).Group("second", [2]);
        var root = XElement.Parse(bars.ToSvg());
        var swatches = root.Elements(Svg + "rect").Where(r => r.Attribute("width")!.Value == "12").Select(r => double.Parse(r.Attribute("x")!.Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(2, swatches.Count);
        Assert.True(swatches[1] - swatches[0] > 16 + 6 * "a rather long name for the first group".Length, $"swatches at {swatches[0]} and {swatches[1]}");
    }

    [Fact]
    public void A_figure_places_its_panels_side_by_side()
    {
        string a = new Chart("a", "x", "y") { Width = 300, Height = 200 }.ToSvg();
        string b = new Chart("b", "x", "y") { Width = 200, Height = 250 }.ToSvg();
        var root = XElement.Parse(Figure.Grid([a, b], columns: 2));
        Assert.Equal("500", root.Attribute("width")!.Value);
        Assert.Equal("250", root.Attribute("height")!.Value);
        var panels = root.Elements(Svg + "svg").ToList();
        Assert.Equal(["0", "300"], panels.Select(p => p.Attribute("x")!.Value));
    }
}
