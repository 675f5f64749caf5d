using System.Globalization;
using System.Xml.Linq;
using Scratch.Tensors;

namespace Scratch.Autograd.Tests;

// Var.ToSvg: parsed as XML and checked geometrically: one box per node, one arrow per input link, no two boxes
// overlapping, every arrow running left to right between boxes and through none, the same text every time.
public sealed class GraphSvgTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static Var<double> Scalar(double v, string name, bool requiresGrad = true) =>
        new(Tensor<double>.Scalar(v), requiresGrad, name);

    /// <summary>Autograd/README.md's example: h = w1·x + b1, a = h·h, y = w2·a + b2, e = y − t, L = e·e.</summary>
    private static Var<double> ReadmeExample()
    {
        var x = Scalar(2.0, "x", requiresGrad: false);
        var t = Scalar(1.0, "t", requiresGrad: false);
        var w1 = Scalar(0.5, "w1"); var b1 = Scalar(-0.25, "b1");
        var w2 = Scalar(2.0, "w2"); var b2 = Scalar(0.5, "b2");
        var h = w1 * x + b1; h.Name = "h";
        var a = h * h; a.Name = "a";
        var y = w2 * a + b2; y.Name = "y";
        var e = y - t; e.Name = "e";
        var L = e * e; L.Name = "L";
        L.Backward();
        return L;
    }

    /// <summary>A two-layer MLP with a residual link from the first layer's output to the loss: an edge that skips columns.</summary>
    private static Var<double> MlpWithSkip()
    {
        var (_, f) = BackwardTraceTests.Mlp(seed: 4, wrongTanh: false);
        var loss = f();
        var h1 = loss.Parents[0].Parents[0].Parents[0].Parents[0].Parents[0]; // mean ← mul ← sub ← add ← matmul ← h1 (tanh)
        Assert.Equal("h1", h1.Name);
        var total = loss + h1.Sum();
        total.Backward();
        return total;
    }

    private sealed record Box(string Id, double X, double Y, double W, double H);

    private sealed record Edge(string From, string To, int Input, List<(double X, double Y)> Points);

    private static (XElement Root, Dictionary<string, Box> Boxes, List<Edge> Edges) Parse(string svg)
    {
        var root = XDocument.Parse(svg).Root!;
        Assert.Equal(Svg + "svg", root.Name);
        var boxes = root.Elements(Svg + "g").Where(g => (string?)g.Attribute("class") == "node").Select(g =>
        {
            var r = g.Element(Svg + "rect")!;
            return new Box((string)g.Attribute("id")!, D(r, "x"), D(r, "y"), D(r, "width"), D(r, "height"));
        }).ToDictionary(b => b.Id);
        var edges = root.Elements(Svg + "path").Where(p => (string?)p.Attribute("class") == "edge").Select(p =>
            new Edge((string)p.Attribute("data-from")!, (string)p.Attribute("data-to")!, (int)p.Attribute("data-input")!, Sample((string)p.Attribute("d")!))).ToList();
        return (root, boxes, edges);
    }

    private static double D(XElement e, string attribute) => double.Parse((string)e.Attribute(attribute)!, CultureInfo.InvariantCulture);

    /// <summary>Points along an SVG path made of M, L and C commands: the ends of lines, and 20 points along each curve.</summary>
    private static List<(double X, double Y)> Sample(string d)
    {
        string[] tokens = d.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var points = new List<(double X, double Y)>();
        double N(int i) => double.Parse(tokens[i], CultureInfo.InvariantCulture);
        for (int i = 0; i < tokens.Length;)
        {
            switch (tokens[i])
            {
                case "M" or "L":
                    points.Add((N(i + 1), N(i + 2)));
                    i += 3;
                    break;
                case "C":
                    var p0 = points[^1];
                    (double X, double Y) p1 = (N(i + 1), N(i + 2)), p2 = (N(i + 3), N(i + 4)), p3 = (N(i + 5), N(i + 6));
                    for (int k = 1; k <= 20; k++)
                    {
                        double t = k / 20.0, u = 1 - t;
                        points.Add((u * u * u * p0.X + 3 * u * u * t * p1.X + 3 * u * t * t * p2.X + t * t * t * p3.X,
                                    u * u * u * p0.Y + 3 * u * u * t * p1.Y + 3 * u * t * t * p2.Y + t * t * t * p3.Y));
                    }
                    i += 7;
                    break;
                default:
                    throw new FormatException($"unexpected path command '{tokens[i]}' in '{d}'");
            }
        }
        return points;
    }

    public static TheoryData<string> Graphs => ["readme", "mlp"];

    private static Var<double> Graph(string name) => name == "readme" ? ReadmeExample() : MlpWithSkip();

    [Theory]
    [MemberData(nameof(Graphs))]
    public void One_box_per_node_and_one_arrow_per_input_link(string graph)
    {
        var output = Graph(graph);
        var (_, boxes, edges) = Parse(output.ToSvg());
        var nodes = output.ToDot().Split('\n').Count(l => l.Contains("[shape=", StringComparison.Ordinal));
        Assert.Equal(nodes, boxes.Count);
        Assert.Equal(output.ToDot().Split('\n').Count(l => l.Contains(" -> ", StringComparison.Ordinal)), edges.Count);
        Assert.All(edges, e => Assert.True(boxes.ContainsKey(e.From) && boxes.ContainsKey(e.To)));
    }

    [Fact]
    public void The_readme_graph_has_13_boxes_14_arrows_and_two_arrows_for_each_square()
    {
        var (_, boxes, edges) = Parse(ReadmeExample().ToSvg());
        Assert.Equal(13, boxes.Count);
        Assert.Equal(14, edges.Count);
        // h·h and e·e: two arrows between the same boxes, one per input, entering at different heights.
        var doubled = edges.GroupBy(e => (e.From, e.To)).Where(g => g.Count() == 2).ToList();
        Assert.Equal(2, doubled.Count);
        Assert.All(doubled, g => Assert.Equal([0, 1], g.Select(e => e.Input)));
        Assert.All(doubled, g => Assert.True(g.First().Points[^1].Y < g.Last().Points[^1].Y));
    }

    [Theory]
    [MemberData(nameof(Graphs))]
    public void No_two_boxes_overlap_and_all_lie_inside_the_drawing(string graph)
    {
        var (root, boxes, _) = Parse(Graph(graph).ToSvg());
        double width = D(root, "width"), height = D(root, "height");
        Assert.Equal($"0 0 {root.Attribute("width")!.Value} {root.Attribute("height")!.Value}", root.Attribute("viewBox")!.Value);
        var all = boxes.Values.ToList();
        foreach (var b in all)
        {
            Assert.True(b.X >= 0 && b.Y >= 0 && b.X + b.W <= width && b.Y + b.H <= height, $"{b} outside {width}×{height}");
        }
        for (int i = 0; i < all.Count; i++)
        {
            for (int j = i + 1; j < all.Count; j++)
            {
                var (a, b) = (all[i], all[j]);
                bool apart = a.X + a.W <= b.X || b.X + b.W <= a.X || a.Y + a.H <= b.Y || b.Y + b.H <= a.Y;
                Assert.True(apart, $"{a} overlaps {b}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Graphs))]
    public void Every_arrow_runs_left_to_right_from_its_input_to_its_user_through_no_box(string graph)
    {
        var (_, boxes, edges) = Parse(Graph(graph).ToSvg());
        foreach (var e in edges)
        {
            var (from, to) = (boxes[e.From], boxes[e.To]);
            Assert.Equal(from.X + from.W, e.Points[0].X, 0.05);                      // leaves its input's right side
            Assert.InRange(e.Points[0].Y, from.Y, from.Y + from.H);
            Assert.Equal(to.X, e.Points[^1].X, 0.05);                                // enters its user's left side
            Assert.InRange(e.Points[^1].Y, to.Y, to.Y + to.H);
            Assert.True(e.Points[0].X < e.Points[^1].X);
            for (int i = 1; i < e.Points.Count; i++)
            {
                Assert.True(e.Points[i].X >= e.Points[i - 1].X - 1e-9, $"{e.From}→{e.To} turns back at {e.Points[i]}");
            }
            foreach (var (x, y) in e.Points)
            {
                foreach (var b in boxes.Values)
                {
                    bool inside = x > b.X + 0.5 && x < b.X + b.W - 0.5 && y > b.Y + 0.5 && y < b.Y + b.H - 0.5;
                    Assert.False(inside, $"{e.From}→{e.To} passes through {b.Id} at ({x}, {y})");
                }
            }
        }
        // The output is the rightmost box.
        var output = boxes.Values.Single(b => !edges.Any(e => e.From == b.Id));
        Assert.All(boxes.Values, b => Assert.True(b.X <= output.X));
    }

    [Fact]
    public void The_same_graph_gives_the_same_text()
    {
        Assert.Equal(ReadmeExample().ToSvg(), ReadmeExample().ToSvg());
        var mlp = MlpWithSkip();
        Assert.Equal(mlp.ToSvg(), mlp.ToSvg());
    }

    [Fact]
    public void Boxes_show_name_op_value_and_gradient_and_are_coloured_like_the_dot_export()
    {
        var (_, boxes, _) = Parse(ReadmeExample().ToSvg());
        var root = XDocument.Parse(ReadmeExample().ToSvg()).Root!;
        XElement Node(string firstLine) => root.Elements(Svg + "g").Single(g => g.Elements(Svg + "text").First().Value == firstLine);
        Assert.Equal(["h", "add []", "value 0.75", "grad 3.75"], Node("h").Elements(Svg + "text").Select(t => t.Value));
        Assert.Equal(["x", "leaf []", "value 2"], Node("x").Elements(Svg + "text").Select(t => t.Value));
        Assert.Equal("lightblue", Node("w1").Element(Svg + "rect")!.Attribute("fill")!.Value);   // a parameter
        Assert.Equal("#eeeeee", Node("x").Element(Svg + "rect")!.Attribute("fill")!.Value);      // data
        Assert.Equal("white", Node("h").Element(Svg + "rect")!.Attribute("fill")!.Value);        // an op
        Assert.Equal("3", Node("L").Element(Svg + "rect")!.Attribute("stroke-width")!.Value);    // the output
        Assert.Equal(13, boxes.Count);
    }

    [Fact]
    public void Text_is_escaped()
    {
        var p = new Var<double>(Tensor<double>.Scalar(1.0), requiresGrad: true, name: "a<b & \"c\" 'd'>");
        var y = p * p;
        var root = XDocument.Parse(y.ToSvg(title: "</svg> & more")).Root!;
        Assert.Equal("</svg> & more", root.Element(Svg + "title")!.Value);
        Assert.Contains(root.Descendants(Svg + "text"), t => t.Value == "a<b & \"c\" 'd'>");
    }

    [Fact]
    public void A_single_leaf_and_a_long_chain_are_drawn()
    {
        var leaf = new Var<double>(Tensor<double>.Scalar(1.0), requiresGrad: true, name: "p");
        var (_, boxes, edges) = Parse(leaf.ToSvg());
        Assert.Single(boxes);
        Assert.Empty(edges);

        var x = leaf;
        for (int i = 0; i < 300; i++)
        {
            x = (x * 0.5).Tanh();
        }
        (_, boxes, edges) = Parse(x.ToSvg());
        Assert.Equal(1 + 300 + 300 + 300, boxes.Count); // p, 300 constants 0.5, 300 products, 300 tanh
        Assert.Equal(900, edges.Count);
    }
}
