namespace Scratch.Autograd;

// Steps 3 and 4 of the layout (see GraphLayout.cs): the order of the vertices within each column (barycenter
// sweeps that reduce crossings) and their heights (each pulled toward its neighbours without overlapping).
internal sealed partial class GraphLayout
{
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
