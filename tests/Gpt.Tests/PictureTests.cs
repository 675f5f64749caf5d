using System.Globalization;
using Scratch.Gpt.Inspection;
using Scratch.Gpt.Plots;
using Scratch.Gpt.Training;
using Scratch.Tensors;

namespace Scratch.Gpt.Tests;

/// <summary>
/// The pictures a learner reads, parsed back: axes with round ticks and names, colour bars with values, no text
/// outside the canvas and no two texts on top of each other (see <see cref="SvgLayout"/>).
/// </summary>
public sealed class PictureTests
{
    /// <summary>A loss curve like a real run's: falling fast, then slowly, with noise; an evaluation every 250 steps.</summary>
    private static (List<double> Steps, List<EvalPoint> Evals) Run(int steps)
    {
        var rng = new Rng(3);
        var losses = Enumerable.Range(0, steps).Select(i => 1.7 + 2.5 * Math.Exp(-i / 150.0) + 0.15 * (rng.NextDouble() - 0.5)).ToList();
        var evals = Enumerable.Range(0, steps / 250 + 1).Select(k => new EvalPoint(k * 250, 1.7 + 2.5 * Math.Exp(-k * 250 / 150.0), 1.75 + 2.45 * Math.Exp(-k * 250 / 150.0))).ToList();
        return (losses, evals);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_loss_chart_has_every_step_a_smoothed_line_and_the_evaluations_on_round_axes(bool logX)
    {
        var (steps, evals) = Run(2000);
        var layout = new SvgLayout(LossChart.Render(evals, steps, logX));
        layout.AssertReadable();
        SvgLayout.AssertRoundTicks(layout.TickValues("x"), log: logX);
        SvgLayout.AssertRoundTicks(layout.TickValues("y"));
        Assert.Equal(logX ? "iteration (log scale)" : "iteration", Assert.Single(layout.WithClass("axis-name", "x")).Text);
        Assert.Equal("loss", Assert.Single(layout.WithClass("axis-name", "y")).Text);
        Assert.Equal(["train, each step", "train, smoothed over ~40 steps", "train, evaluation", "val, evaluation"], layout.WithClass("legend").Select(t => t.Text));
        var lines = layout.Root.Descendants(SvgLayout.Ns + "polyline").Select(p => p.Attribute("points")!.Value.Split(' ').Length).ToList();
        // Every step is a point of the first two lines (on a log axis, step 0 cannot be drawn); every evaluation of the last two.
        Assert.Equal([logX ? 1999 : 2000, logX ? 1999 : 2000, logX ? 8 : 9, logX ? 8 : 9], lines);
    }

    [Fact]
    public void The_loss_chart_with_no_steps_yet_draws_the_evaluations_alone_and_with_nothing_empty_axes()
    {
        var layout = new SvgLayout(LossChart.Render([new EvalPoint(0, 4.17, 4.16)], []));
        Assert.Equal(["train, evaluation", "val, evaluation"], layout.WithClass("legend").Select(t => t.Text));
        layout.AssertReadable();
        var empty = new SvgLayout(LossChart.Render([], []));
        Assert.Empty(empty.Root.Descendants(SvgLayout.Ns + "polyline"));
        SvgLayout.AssertRoundTicks(empty.TickValues("y"));
    }

    [Fact]
    public void Smoothing_is_a_debiased_moving_average_that_skips_gaps()
    {
        Assert.Equal([2.0, 2, 2], LossChart.Smooth([2, 2, 2], 0.9)); // debiased: a constant stays constant from the first step
        double[] s = LossChart.Smooth([4, double.NaN, 2], 0.5);
        Assert.Equal(4, s[0]);
        Assert.Equal(4, s[1]); // the gap carries the average over
        Assert.Equal((0.5 * 0.5 * 4 + 0.5 * 2) / 0.75, s[2], 12); // (β(1−β)·4 + (1−β)·2) / (1 − β²)
        Assert.True(double.IsNaN(LossChart.Smooth([double.NaN], 0.5)[0]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(null)]
    public void The_attention_map_has_a_colour_bar_values_in_its_cells_and_every_text_on_the_canvas(int? head)
    {
        int[] prompt = [1, 5, 5, 2, 9, 3, 3, 0];
        string[] labels = ["To", "␣be", ",", "⏎", "or", "not", "to", "be"];
        var maps = AttentionMaps.Compute(TinyModels.Create<float>(TinyModels.Config()), prompt);
        var layout = new SvgLayout(AttentionSvg.Render(maps, labels, 1, head));
        layout.AssertReadable();
        var colourTicks = layout.TickValues("colour");
        SvgLayout.AssertRoundTicks(colourTicks);
        Assert.Equal((0, 1), (colourTicks[0], colourTicks[^1]));
        Assert.Equal(AttentionSvg.KeyName, layout.WithClass("axis-name", "x")[0].Text);
        Assert.Equal(AttentionSvg.QueryName, layout.WithClass("axis-name", "y")[0].Text);
        // Every allowed cell shows its weight, to two decimals: 8·9/2 cells per head.
        var values = layout.WithClass("value");
        Assert.Equal((head is null ? 2 : 1) * 36, values.Count);
        var cells = layout.Root.Descendants(SvgLayout.Ns + "rect").Where(r => (string?)r.Attribute("class") == "cell").ToList();
        Assert.Equal(values.Select(v => v.Text), cells.Select(c => SvgLayout.Number(c.Attribute("data-weight")!.Value).ToString("0.00", CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void A_single_head_picture_is_wide_enough_for_its_names_however_short_the_prompt()
    {
        var maps = AttentionMaps.Compute(TinyModels.Create<float>(TinyModels.Config()), [1, 2]);
        var layout = new SvgLayout(AttentionSvg.Render(maps, ["a", "b"], 0, 1));
        layout.AssertReadable();
        Assert.True(layout.Width >= 0.6 * 12 * AttentionSvg.KeyName.Length, $"{layout.Width} px");
    }

    [Fact]
    public void A_matrix_too_dense_for_numbers_leaves_them_out_and_rejects_mismatched_labels()
    {
        var values = new double[30, 30];
        string[] names = Enumerable.Range(0, 30).Select(i => $"{i}").ToArray();
        var layout = new SvgLayout(new MatrixChart("t", values, names, names, "rows", "columns").ToSvg());
        Assert.Empty(layout.WithClass("value")); // 18 px cells: "0.00" does not fit
        layout.AssertReadable();
        var error = Assert.Throws<ArgumentException>(() => new MatrixChart("t", values, names[..2], names, "r", "c").ToSvg());
        Assert.Equal("matrix chart: a (30, 30) matrix needs 30 row labels and 30 column labels, got 2 and 30", error.Message);
    }

    [Fact]
    public void A_crowded_scatter_keeps_its_labels_apart_and_inside_and_says_how_many_it_left_out()
    {
        // 65 points: most in a tight cluster, as a character embedding's lower-case letters are.
        var rng = new Rng(5);
        int N = 65;
        var data = new double[N * 2];
        for (int i = 0; i < N; i++)
        {
            double spread = i < 45 ? 0.03 : 1;
            data[2 * i] = spread * (rng.NextDouble() - 0.5);
            data[2 * i + 1] = spread * (rng.NextDouble() - 0.5);
        }
        string[] labels = Enumerable.Range(0, N).Select(i => i % 7 == 0 ? $"word{i}" : $"{(char)('a' + i % 26)}").ToArray();
        var layout = new SvgLayout(EmbeddingSvg.Scatter(Tensor<double>.FromArray(data, N, 2), labels, "crowded", "component 1 (40.0% of the total variance)", "component 2"));
        layout.AssertReadable();
        SvgLayout.AssertRoundTicks(layout.TickValues("x"));
        SvgLayout.AssertRoundTicks(layout.TickValues("y"));
        Assert.Equal(N, layout.Root.Descendants(SvgLayout.Ns + "circle").Count());
        int drawn = layout.WithClass("label").Count, leftOut = N - drawn;
        Assert.True(leftOut > 0 && drawn > 20, $"{drawn} labels drawn");
        Assert.Equal($"{leftOut} labels left out where dots crowd", Assert.Single(layout.WithClass("note")).Text);
        Assert.Equal("component 1 (40.0% of the total variance)", Assert.Single(layout.WithClass("axis-name", "x")).Text);
    }

    [Fact]
    public void Pca_shares_of_variance_are_each_components_variance_over_the_trace()
    {
        var rng = new Rng(2);
        var x = Tensor<double>.Randn(rng, 200, 3) * Tensor<double>.FromArray([3.0, 1.0, 0.5], 3); // variances about 9, 1 and 0.25
        var pca = Pca.Fit(x, 2, new Rng(0));
        double trace = Enumerable.Range(0, 3).Sum(c => Variance(Enumerable.Range(0, 200).Select(i => x[i, c]).ToArray()));
        Assert.Equal(trace, pca.TotalVariance, 9);
        Assert.Equal(pca.Variances[0] / trace, pca.ExplainedVarianceRatio[0], 12);
        Assert.InRange(pca.ExplainedVarianceRatio[0] + pca.ExplainedVarianceRatio[1], 0.9, 1.0); // the third direction holds ~2.5%
        Assert.Equal("component 2 (" + (pca.Variances[1] / trace).ToString("0.0%", CultureInfo.InvariantCulture) + " of the total variance)", EmbeddingSvg.AxisName(pca, 1));
    }

    [Fact]
    public void A_chart_with_a_heatmap_keeps_its_colour_bar_name_and_ticks_on_the_canvas()
    {
        var values = new double[,] { { 0, 1e-3 }, { 2e-3, 3e-3 } };
        var layout = new SvgLayout(new Chart("h", "x", "y").Heatmap(values, [0, 1], [0, 1], colourBarLabel: "a rather long name").ToSvg());
        layout.AssertReadable();
        SvgLayout.AssertRoundTicks(layout.TickValues("colour"));
        Assert.Equal("a rather long name", Assert.Single(layout.WithClass("axis-name", "colour")).Text);
    }

    [Fact]
    public void The_layout_reader_sees_overlaps_and_texts_off_the_canvas()
    {
        // The checks above would pass on anything if these did not fail.
        var overlapping = new SvgLayout("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"50\" font-size=\"10\"><text x=\"10\" y=\"20\">hello</text><text x=\"30\" y=\"22\">world</text></svg>");
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(overlapping.AssertReadable);
        var outside = new SvgLayout("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"50\"><text x=\"50\" y=\"25\" transform=\"rotate(-90 50 25)\" font-size=\"12\">a long text written upwards</text></svg>");
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(outside.AssertReadable);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => SvgLayout.AssertRoundTicks([1.7, 2.33, 2.95]));
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => SvgLayout.AssertRoundTicks([0, 3, 6]));
    }

    private static double Variance(double[] v)
    {
        double mean = v.Average();
        return v.Sum(a => (a - mean) * (a - mean)) / (v.Length - 1);
    }
}
