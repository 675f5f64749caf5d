using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Scratch.Gpt.Reports;
using Scratch.Gpt.Training;

namespace Scratch.Gpt.Tests;

/// <summary>report.html: written by scratch train, rebuilt by scratch report, self-contained, every picture readable; opened in Chromium.</summary>
public sealed partial class ReportTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    /// <summary>A tiny run with every curve logged: 20 steps, a checkpoint every 10, gradient norms every 5.</summary>
    private (string Dir, string Output) Train(string name = "out")
    {
        string dir = Path.Combine(cli.Dir, name);
        string output = cli.Train(dir, "--max-iters", "20", "--eval-interval", "10", "--log-interval", "5",
            "--metrics", Path.Combine(cli.Dir, name + ".jsonl"), "--log-grad-norms");
        return (dir, output);
    }

    /// <summary>The SVG documents inside the page's data: URIs.</summary>
    private static List<string> Pictures(string html) =>
        DataUri().Matches(html).Select(m => Encoding.UTF8.GetString(Convert.FromBase64String(m.Groups[1].Value))).ToList();

    [Fact]
    public void Train_writes_a_self_contained_page_with_every_section_and_readable_pictures()
    {
        var (dir, output) = Train();
        string html = File.ReadAllText(Path.Combine(dir, RunReport.FileName));
        Assert.Contains($"wrote {Path.Combine(dir, RunReport.FileName)}", output);
        // Nothing from elsewhere: no script, no address, every image a data: URI.
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http", html, StringComparison.OrdinalIgnoreCase);
        var sources = Regex.Matches(html, "src=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.All(sources, s => Assert.StartsWith("data:image/svg+xml;base64,", s));
        foreach (string section in new[] { "Summary", "Configuration", "Loss", "Learning rate", "Gradients and updates per block", "Samples", "Attention" })
        {
            Assert.Contains($"<h2>{section}</h2>", html);
        }
        var pictures = Pictures(html);
        // loss twice (linear and log x), the learning rate, gradient norms, update ratios, the attention of the last block
        Assert.Equal(6, pictures.Count);
        foreach (string svg in pictures)
        {
            new SvgLayout(svg).AssertReadable();
        }
        // A sample per checkpoint, as kept in train_state.json.
        var state = Checkpoint.LoadState(dir);
        Assert.Equal([0, 10, 20], state.Samples!.Select(s => s.Iteration));
        foreach (var sample in state.Samples!)
        {
            Assert.Contains($"<pre class=\"sample\">{WebUtility.HtmlEncode(sample.Text)}</pre>", html);
        }
        Assert.DoesNotContain("class=\"note\"", html); // every section has its picture or text
    }

    [Fact]
    public void The_exact_val_loss_on_the_page_is_scratch_eval_all()
    {
        var (dir, output) = Train();
        var (code, eval, err) = CliRunner.Run("eval", "--ckpt", dir, "--data", cli.Corpus, "--all");
        Assert.True(code == 0, err);
        string loss = Regex.Match(eval, @"val loss: (\d+\.\d{5})").Groups[1].Value;
        Assert.Contains($"exact val loss: {loss} (every window", output);
        Assert.Contains($"<td>{loss} over all ", File.ReadAllText(Path.Combine(dir, RunReport.FileName)));
        var run = RunRecord.Load(dir);
        Assert.Equal(20, run.Exact!.Iteration);
        Assert.Equal(Path.GetFullPath(cli.Corpus), run.Exact.Data);
        Assert.Equal(20, run.Options!.MaxIters);
    }

    [Fact]
    public void Scratch_report_rebuilds_the_same_page_and_measures_again_with_data()
    {
        var (dir, _) = Train();
        string path = Path.Combine(dir, RunReport.FileName), first = File.ReadAllText(path);
        File.Delete(path);
        var (code, output, err) = CliRunner.Run("report", "--ckpt", dir);
        Assert.True(code == 0, err);
        Assert.Equal($"wrote {path}\n", output.ReplaceLineEndings("\n"));
        Assert.Equal(first, File.ReadAllText(path));

        File.Delete(Path.Combine(dir, RunRecord.FileName)); // as for a checkpoint written before reports
        (code, output, err) = CliRunner.Run("report", "--ckpt", dir);
        Assert.True(code == 0, err);
        string bare = File.ReadAllText(path);
        Assert.Contains("not measured (scratch report --ckpt DIR --data FILE measures it)", bare);
        Assert.Contains("Unknown: this checkpoint has no run.json", bare);
        Assert.Contains("Not logged: train with --metrics FILE --log-grad-norms", bare);

        (code, output, err) = CliRunner.Run("report", "--ckpt", dir, "--data", cli.Corpus, "--metrics", Path.Combine(cli.Dir, "out.jsonl"));
        Assert.True(code == 0, err);
        Assert.Matches(@"^exact val loss at iteration 20: \d\.\d{5} \([\d,]+ tokens\)", output);
        Assert.Equal(5, Pictures(File.ReadAllText(path)).Count); // all but the learning rate, whose flags are gone with run.json
    }

    [Theory]
    [InlineData("checkpoint directory not found: nowhere", "report", "--ckpt", "nowhere")]
    [InlineData("--batch-size 0 must be positive", "report", "--ckpt", ".", "--batch-size", "0")]
    public void Report_errors_are_one_line(string expected, params string[] args)
    {
        var (code, output, err) = CliRunner.Run(args);
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal($"scratch report: error: {expected}\n", err.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void A_missing_metrics_file_is_named()
    {
        var (dir, _) = Train();
        var (code, _, err) = CliRunner.Run("report", "--ckpt", dir, "--metrics", "gone.jsonl");
        Assert.Equal(1, code);
        Assert.Equal("scratch report: error: --metrics: file not found: gone.jsonl\n", err.ReplaceLineEndings("\n"));
    }

    [ChromiumFact]
    public async Task The_page_renders_in_Chromium_with_every_image_and_no_error()
    {
        var (dir, _) = Train();
        string path = Path.Combine(dir, RunReport.FileName);
        await using var browser = await Chromium.Start();
        await browser.Open(new Uri(path).AbsoluteUri);
        var page = (await browser.Evaluate(
            "JSON.stringify({height: document.documentElement.scrollHeight, width: document.documentElement.scrollWidth, " +
            "images: [...document.images].map(i => ({ok: i.complete && i.naturalWidth > 0, w: i.naturalWidth, h: i.naturalHeight, shown: i.getBoundingClientRect().height})), " +
            "headings: [...document.querySelectorAll('h2')].map(h => h.textContent)})"))!.GetValue<string>();
        var result = System.Text.Json.Nodes.JsonNode.Parse(page)!;
        var images = result["images"]!.AsArray();
        Assert.Equal(6, images.Count);
        Assert.All(images, i => Assert.True((bool)i!["ok"]! && (double)i["shown"]! > 50, $"an image did not render: {i!.ToJsonString()}"));
        Assert.InRange((double)result["height"]!, 3000, 40000); // every section laid out, one under the other
        Assert.Equal(7, result["headings"]!.AsArray().Count);
        Assert.Empty(browser.Errors);
        Assert.All(browser.Requests, url => Assert.True(url.StartsWith("file:", StringComparison.Ordinal) || url.StartsWith("data:", StringComparison.Ordinal), $"the page asked for {url}"));
        byte[] png = await browser.Screenshot();
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        int shotHeight = (png[20] << 24) | (png[21] << 16) | (png[22] << 8) | png[23]; // the IHDR chunk: width at 16, height at 20
        Assert.Equal((double)result["height"]!, shotHeight, 1.0);
        string keep = Environment.GetEnvironmentVariable("SCRATCH_REPORT_SCREENSHOT") ?? "";
        if (keep.Length > 0)
        {
            File.WriteAllBytes(keep, png); // to look at
        }
    }

    [GeneratedRegex("src=\"data:image/svg\\+xml;base64,([A-Za-z0-9+/=]+)\"")]
    private static partial Regex DataUri();
}
