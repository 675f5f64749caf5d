namespace Scratch.Autograd;

/// <summary>
/// A layered drawing of a graph whose edges all point forward (a computation graph, inputs before outputs), after
/// Sugiyama's method, small enough to read:
/// <list type="number">
/// <item>Layers (columns, left to right): an op's layer is the longest path to it from a leaf; a leaf sits one
/// layer before its first use, so a bias added late is drawn next to where it is added.</item>
/// <item>An edge that spans several layers passes through one invisible "lane" vertex per layer it crosses, so it
/// is routed between the boxes of those layers instead of through them.</item>
/// <item>Order within a layer: repeatedly sort each layer by the barycenter (mean position) of its vertices'
/// neighbours in the previous layer, then in the next one, and keep the order with the fewest crossings.</item>
/// <item>Vertical positions: each vertex moves toward the mean height of its neighbours, keeping the order and a
/// gap between boxes (overlaps are removed by merging neighbouring vertices into blocks placed at their mean).</item>
/// </list>
/// Every edge then runs from the right side of its input to the left side of its user, so left to right.
/// </summary>
internal sealed partial class GraphLayout
{
    /// <summary>Horizontal gap between columns, where the edges curve.</summary>
    public const double ColumnGap = 64;

    /// <summary>Vertical gap between boxes (and lanes) in a column.</summary>
    public const double RowGap = 18;

    /// <summary>Space around the drawing.</summary>
    public const double Margin = 16;

    private const double LaneHeight = 2;

    /// <summary>The box of each node: left, top, width, height.</summary>
    public required (double X, double Y, double Width, double Height)[] Boxes { get; init; }

    /// <summary>
    /// One entry per edge (a node's inputs in order, nodes in order): from, to, input position, and the points it
    /// passes: pairs of points at the same height (across a column: from the input's box to its column's edge,
    /// across each lane, from the user's column edge to its box), joined by curves across the gaps between columns.
    /// </summary>
    public required List<(int From, int To, int Input, List<(double X, double Y)> Points)> Edges { get; init; }

    /// <summary>The width of the drawing.</summary>
    public required double Width { get; init; }

    /// <summary>The height of the drawing.</summary>
    public required double Height { get; init; }

    /// <summary>Lays out nodes 0 … n−1 (each after its parents) with the given box sizes.</summary>
    /// <param name="parents">Each node's inputs, in input order (a node used twice appears twice); every index is smaller than the node's.</param>
    /// <param name="sizes">Each node's box size.</param>
    public static GraphLayout Compute(int[][] parents, (double Width, double Height)[] sizes)
    {
        int n = parents.Length;
        int[] layer = Layers(parents);
        var (vertexLayer, chains) = Chains(parents, layer);
        int vertices = vertexLayer.Count;
        var before = Enumerable.Range(0, vertices).Select(_ => new List<int>()).ToArray(); // neighbours one layer left
        var after = Enumerable.Range(0, vertices).Select(_ => new List<int>()).ToArray();  // and one layer right
        foreach (var (_, _, _, chain) in chains)
        {
            for (int i = 0; i + 1 < chain.Count; i++)
            {
                after[chain[i]].Add(chain[i + 1]);
                before[chain[i + 1]].Add(chain[i]);
            }
        }

        int layers = layer.Length == 0 ? 0 : layer.Max() + 1;
        var columns = Enumerable.Range(0, layers).Select(l => Enumerable.Range(0, vertices).Where(v => vertexLayer[v] == l).ToList()).ToList();
        Order(columns, before, after);

        double Extent(int v) => v < n ? sizes[v].Height : LaneHeight;
        double[] top = Place(columns, before, after, Extent);

        // Columns: as wide as their widest box; boxes centred in their column.
        var columnX = new double[layers];
        var columnWidth = new double[layers];
        double x = Margin;
        for (int l = 0; l < layers; l++)
        {
            columnX[l] = x;
            columnWidth[l] = columns[l].Where(v => v < n).Select(v => sizes[v].Width).DefaultIfEmpty(0).Max();
            x += columnWidth[l] + ColumnGap;
        }
        var boxes = new (double X, double Y, double Width, double Height)[n];
        for (int v = 0; v < n; v++)
        {
            boxes[v] = (columnX[layer[v]] + (columnWidth[layer[v]] - sizes[v].Width) / 2, top[v], sizes[v].Width, sizes[v].Height);
        }

        var edges = chains.Select(c => (c.From, c.To, c.Input, Route(c.Chain, c.Input, parents[c.To].Length, boxes, vertexLayer, top, columnX, columnWidth))).ToList();
        double height = Enumerable.Range(0, vertices).Select(v => top[v] + Extent(v)).DefaultIfEmpty(0).Max() + Margin;
        double width = layers == 0 ? 2 * Margin : x - ColumnGap + Margin;
        return new GraphLayout { Boxes = boxes, Edges = edges, Width = width, Height = height };
    }

    /// <summary>
    /// Vertices: the nodes, then one lane vertex per layer crossed by a long edge, and each vertex's layer. Each edge
    /// (one per input of each node, in order) becomes a chain of vertices from its input through the lanes to its user.
    /// </summary>
    private static (List<int> VertexLayer, List<(int From, int To, int Input, List<int> Chain)> Chains) Chains(int[][] parents, int[] layer)
    {
        var vertexLayer = new List<int>(layer);
        var chains = new List<(int From, int To, int Input, List<int> Chain)>();
        for (int to = 0; to < parents.Length; to++)
        {
            for (int input = 0; input < parents[to].Length; input++)
            {
                int from = parents[to][input];
                var chain = new List<int> { from };
                for (int l = layer[from] + 1; l < layer[to]; l++)
                {
                    chain.Add(vertexLayer.Count);
                    vertexLayer.Add(l);
                }
                chain.Add(to);
                chains.Add((from, to, input, chain));
            }
        }
        return (vertexLayer, chains);
    }

    /// <summary>
    /// The points of one edge: out of the right side of the input (its middle) straight to its column's edge, through
    /// each lane straight across its column, and straight from the user's column edge into the left side of the user,
    /// at a port for this input (spread down the side in input order). Only between columns, where there are no
    /// boxes, does an edge change height.
    /// </summary>
    private static List<(double X, double Y)> Route(List<int> chain, int input, int inputs, (double X, double Y, double Width, double Height)[] boxes,
        List<int> vertexLayer, double[] top, double[] columnX, double[] columnWidth)
    {
        int from = chain[0], to = chain[^1];
        var b = boxes[from];
        double y = b.Y + b.Height / 2;
        var points = new List<(double X, double Y)> { (b.X + b.Width, y), (columnX[vertexLayer[from]] + columnWidth[vertexLayer[from]], y) };
        foreach (int lane in chain.Skip(1).SkipLast(1))
        {
            int l = vertexLayer[lane];
            y = top[lane] + LaneHeight / 2;
            points.Add((columnX[l], y));
            points.Add((columnX[l] + columnWidth[l], y));
        }
        var c = boxes[to];
        y = c.Y + c.Height * (input + 1) / (inputs + 1);
        points.Add((columnX[vertexLayer[to]], y));
        points.Add((c.X, y));
        return points;
    }

    /// <summary>An op's layer is 1 + the largest of its inputs' layers; then each leaf moves to just before its first use.</summary>
    private static int[] Layers(int[][] parents)
    {
        int n = parents.Length;
        var layer = new int[n];
        for (int v = 0; v < n; v++)
        {
            layer[v] = parents[v].Length == 0 ? 0 : 1 + parents[v].Max(p => layer[p]);
        }
        var firstUse = Enumerable.Repeat(int.MaxValue, n).ToArray();
        for (int v = 0; v < n; v++)
        {
            foreach (int p in parents[v])
            {
                firstUse[p] = Math.Min(firstUse[p], layer[v]);
            }
        }
        for (int v = 0; v < n; v++)
        {
            if (parents[v].Length == 0 && firstUse[v] != int.MaxValue)
            {
                layer[v] = firstUse[v] - 1;
            }
        }
        return layer;
    }
}
