using System.Globalization;
using System.Xml.Linq;
using Scratch.Gpt.Inspection;

namespace Scratch.Gpt.Tests;

public sealed class AttentionTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private static readonly int[] Prompt = [1, 5, 5, 2, 9];
    private static readonly string[] Labels = ["a", "<b>", "&", "⏎", "␣"];

    [Fact]
    public void RowsAreDistributionsOverThePast()
    {
        var maps = AttentionMaps.Compute(TinyModels.Create<float>(TinyModels.Config()), Prompt);
        Assert.Equal((2, 2, 5), (maps.Layers, maps.Heads, maps.Length));
        for (int l = 0; l < 2; l++)
        {
            for (int h = 0; h < 2; h++)
            {
                for (int t = 0; t < 5; t++)
                {
                    Assert.Equal(1.0, Enumerable.Range(0, t + 1).Sum(s => maps.Weight(l, h, t, s)), 5);
                    Assert.All(Enumerable.Range(t + 1, 4 - t), s => Assert.Equal(0.0, maps.Weight(l, h, t, s)));
                }
            }
        }
        Assert.Equal(1.0, maps.Weight(1, 1, 0, 0), 6); // the first token can only look at itself
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(null)]
    public void TheSvgIsWellFormedWithTTimesTCellsPerHeadAndTheFutureMasked(int? head)
    {
        var maps = AttentionMaps.Compute(TinyModels.Create<float>(TinyModels.Config()), Prompt);
        var doc = XDocument.Parse(AttentionSvg.Render(maps, Labels, 1, head)); // throws unless well-formed
        var panels = doc.Descendants(Svg + "svg").Where(g => (string?)g.Attribute("class") == "head").ToList();
        Assert.Equal(head is null ? 2 : 1, panels.Count);
        foreach (var panel in panels)
        {
            int h = (int)panel.Attribute("data-head")!;
            var cells = panel.Elements(Svg + "rect").Where(r => r.Attribute("data-query") is not null).ToList();
            Assert.Equal(5 * 5, cells.Count);
            foreach (var cell in cells)
            {
                int t = (int)cell.Attribute("data-query")!, s = (int)cell.Attribute("data-key")!;
                Assert.Equal(s > t, (string?)cell.Attribute("data-masked") == "true");
                Assert.Equal(s > t ? "masked" : "cell", (string?)cell.Attribute("class"));
                if (s <= t)
                {
                    double drawn = double.Parse((string)cell.Attribute("data-weight")!, CultureInfo.InvariantCulture);
                    Assert.InRange(drawn - maps.Weight(1, h, t, s), -1e-5, 1e-5); // written with 6 significant digits
                }
            }
        }
        Assert.Contains(doc.Descendants(Svg + "text"), e => e.Value == "<b>"); // labels escaped, not markup
    }

    [Fact]
    public void LayerOrHeadOutOfRangeNamesTheRange()
    {
        var maps = AttentionMaps.Compute(TinyModels.Create<float>(TinyModels.Config()), Prompt);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => AttentionSvg.Render(maps, Labels, 2, 0));
        Assert.Contains("--layer 2 is out of range: the model has layers 0 to 1", error.Message);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => AttentionSvg.Render(maps, Labels, 0, -1));
        Assert.Contains("--head -1 is out of range: each layer has heads 0 to 1", error.Message);
        Assert.Throws<ArgumentException>(() => AttentionMaps.Compute(TinyModels.Create<float>(TinyModels.Config()), new int[9]));
    }
}
