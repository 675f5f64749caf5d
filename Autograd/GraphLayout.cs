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
internal sealed class GraphLayout
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

        // Vertices: the nodes, then one lane vertex per layer crossed by a long edge. Each edge becomes a chain.
        var vertexLayer = new List<int>(layer);
        var chains = new List<(int From, int To, int Input, List<int> Chain)>();
        for (int to = 0; to < n; to++)
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

        // Edges: out of the right side of the input (its middle) straight to its column's edge, through each lane
        // straight across its column, and straight from the user's column edge into the left side of the user, at a
        // port for this input (spread down the side in input order). Only between columns, where there are no
        // boxes, does an edge change height.
        var edges = new List<(int, int, int, List<(double X, double Y)>)>();
        foreach (var (from, to, input, chain) in chains)
        {
            var b = boxes[from];
            double y = b.Y + b.Height / 2;
            var points = new List<(double X, double Y)> { (b.X + b.Width, y), (columnX[layer[from]] + columnWidth[layer[from]], y) };
            foreach (int lane in chain.Skip(1).SkipLast(1))
            {
                int l = vertexLayer[lane];
                y = top[lane] + LaneHeight / 2;
                points.Add((columnX[l], y));
                points.Add((columnX[l] + columnWidth[l], y));
            }
            var c = boxes[to];
            y = c.Y + c.Height * (input + 1) / (parents[to].Length + 1);
            points.Add((columnX[layer[to]], y));
            points.Add((c.X, y));
            edges.Add((from, to, input, points));
        }

        double height = Enumerable.Range(0, vertices).Select(v => top[v] + Extent(v)).DefaultIfEmpty(0).Max() + Margin;
        double width = layers == 0 ? 2 * Margin : x - ColumnGap + Margin;
        return new GraphLayout { Boxes = boxes, Edges = edges, Width = width, Height = height };
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

    /// <summary>Barycenter sweeps, left to right then right to left, keeping the order with the fewest crossings.</summary>
    private static void Order(List<List<int>> columns, List<int>[] before, List<int>[] after)
    {
        var position = new double[before.Length];
        void Number()
        {
            foreach (var column in columns)
            {
                for (int i = 0; i < column.Count; i++)
                {
                    position[column[i]] = i;
                }
            }
        }
        void Sort(List<int> column, List<int>[] neighbours)
        {
            // A vertex without neighbours on that side keeps its place; the sort is stable (OrderBy).
            var key = column.ToDictionary(v => v, v => neighbours[v].Count == 0 ? position[v] : neighbours[v].Average(u => position[u]));
            var sorted = column.OrderBy(v => key[v]).ToList();
            column.Clear();
            column.AddRange(sorted);
            for (int i = 0; i < column.Count; i++)
            {
                position[column[i]] = i;
            }
        }

        Number();
        var best = columns.Select(c => c.ToList()).ToList();
        int fewest = Crossings(columns, after, position);
        for (int round = 0; round < 12 && fewest > 0; round++)
        {
            for (int l = 1; l < columns.Count; l++)
            {
                Sort(columns[l], before);
            }
            for (int l = columns.Count - 2; l >= 0; l--)
            {
                Sort(columns[l], after);
            }
            int crossings = Crossings(columns, after, position);
            if (crossings < fewest)
            {
                fewest = crossings;
                best = columns.Select(c => c.ToList()).ToList();
            }
        }
        for (int l = 0; l < columns.Count; l++)
        {
            columns[l] = best[l];
        }
    }

    /// <summary>Pairs of edge segments between neighbouring columns that cross (their ends are in opposite orders).</summary>
    private static int Crossings(List<List<int>> columns, List<int>[] after, double[] position)
    {
        int crossings = 0;
        foreach (var column in columns)
        {
            var segments = column.SelectMany(u => after[u].Select(v => (U: position[u], V: position[v]))).ToList();
            for (int i = 0; i < segments.Count; i++)
            {
                for (int j = i + 1; j < segments.Count; j++)
                {
                    if ((segments[i].U - segments[j].U) * (segments[i].V - segments[j].V) < 0)
                    {
                        crossings++;
                    }
                }
            }
        }
        return crossings;
    }

    /// <summary>The top of every vertex: stacked in order, then pulled toward its neighbours' middles, a few sweeps each way.</summary>
    private static double[] Place(List<List<int>> columns, List<int>[] before, List<int>[] after, Func<int, double> extent)
    {
        var middle = new double[before.Length];
        foreach (var column in columns)
        {
            double y = 0;
            foreach (int v in column)
            {
                middle[v] = y + extent(v) / 2;
                y += extent(v) + RowGap;
            }
        }
        for (int round = 0; round < 8; round++)
        {
            for (int l = 1; l < columns.Count; l++)
            {
                Align(columns[l], before, middle, extent);
            }
            for (int l = columns.Count - 2; l >= 0; l--)
            {
                Align(columns[l], after, middle, extent);
            }
        }
        double shift = Margin - columns.SelectMany(c => c).Select(v => middle[v] - extent(v) / 2).DefaultIfEmpty(0).Min();
        return [.. Enumerable.Range(0, before.Length).Select(v => middle[v] - extent(v) / 2 + shift)];
    }

    /// <summary>
    /// Moves each vertex of a column as close as it can to the mean middle of its neighbours, keeping the order and
    /// the gaps: vertices that would overlap are merged into a block, and a block is placed at the mean of its
    /// members' wishes (which minimises the sum of squared distances to them).
    /// </summary>
    private static void Align(List<int> column, List<int>[] neighbours, double[] middle, Func<int, double> extent)
    {
        // Each block: its first vertex's wished middle, summed (wish − offset within the block), members, total extent.
        var blocks = new List<(double Sum, int Count, double Extent, List<int> Members)>();
        foreach (int v in column)
        {
            double wish = neighbours[v].Count == 0 ? middle[v] : neighbours[v].Average(u => middle[u]);
            double top = wish - extent(v) / 2;
            var block = (Sum: top, Count: 1, Extent: extent(v), Members: new List<int> { v });
            while (blocks.Count > 0)
            {
                var last = blocks[^1];
                double lastTop = last.Sum / last.Count;
                double blockTop = block.Sum / block.Count;
                if (lastTop + last.Extent + RowGap <= blockTop)
                {
                    break;
                }
                // Merge: the new members' tops, measured from the merged block's top, are shifted by last.Extent + gap.
                double offset = last.Extent + RowGap;
                block = (last.Sum + block.Sum - block.Count * offset, last.Count + block.Count, last.Extent + RowGap + block.Extent, [.. last.Members, .. block.Members]);
                blocks.RemoveAt(blocks.Count - 1);
            }
            blocks.Add(block);
        }
        foreach (var block in blocks)
        {
            double y = block.Sum / block.Count;
            foreach (int v in block.Members)
            {
                middle[v] = y + extent(v) / 2;
                y += extent(v) + RowGap;
            }
        }
    }
}
