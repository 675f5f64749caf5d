using System.Xml.Linq;
using Scratch.Gpt.Inspection;
using Scratch.Tensors;

namespace Scratch.Gpt.Tests;

public sealed class EmbeddingTests
{
    // Hand-made: king − man + woman = queen exactly; "apple" points elsewhere.
    private static readonly EmbeddingSpace Words = new(Tensor<double>.From(new double[,]
    {
        { 1, 1, 0 },   // 0 king
        { 1, 0, 0 },   // 1 man
        { 0, 0, 1 },   // 2 woman
        { 0, 1, 1 },   // 3 queen
        { -1, 0.1, 0 }, // 4 apple
        { 2, 2, 0.1 }, // 5 emperor, nearly along king
    }));

    [Fact]
    public void CosineMatchesTheHandComputation()
    {
        Assert.Equal(1 / Math.Sqrt(2), Words.Cosine(0, 1), 12); // (1,1,0)·(1,0,0) / (√2 · 1)
        Assert.Equal(0.5, Words.Cosine(0, 3), 12); // 1 / (√2 · √2)
        Assert.Equal(0.0, Words.Cosine(1, 2), 12);
        Assert.Equal(-1 / Math.Sqrt(1.01), Words.Cosine(1, 4), 12);
    }

    [Fact]
    public void NearestLeavesTheTokenOutAndSortsBySimilarity()
    {
        var nearest = Words.Nearest(0, 3);
        Assert.Equal([5, 1, 3], nearest.Select(n => n.Id));
        Assert.Equal(4 / (Math.Sqrt(2) * Math.Sqrt(8.01)), nearest[0].Similarity, 12);
    }

    [Fact]
    public void AnalogyFindsQueenWithoutTheQuestionWords()
    {
        var answer = Words.Analogy(0, 1, 2, 1); // king − man + woman
        Assert.Equal(3, answer[0].Id);
        Assert.Equal(1.0, answer[0].Similarity, 12);
        Assert.DoesNotContain(Words.Analogy(0, 1, 2, 6), a => a.Id is 0 or 1 or 2);
    }

    [Fact]
    public void PcaRecoversTheTopDirectionOfSyntheticData()
    {
        var rng = new Rng(3);
        double[] direction = [0.6, 0.0, -0.8, 0.0]; // unit length
        double[] second = [0.0, 1.0, 0.0, 0.0];
        int N = 4000;
        var rows = new double[N * 4];
        for (int i = 0; i < N; i++)
        {
            double a = 5 * rng.NextNormal(), b = 2 * rng.NextNormal();
            for (int j = 0; j < 4; j++)
            {
                rows[i * 4 + j] = 3 + a * direction[j] + b * second[j] + 0.1 * rng.NextNormal();
            }
        }
        var x = Tensor<double>.FromArray(rows, N, 4);
        var pca = Pca.Fit(x, 2, new Rng(1));
        double[] top = pca.Components.Slice(0, 0, 1).ToArray(), next = pca.Components.Slice(0, 1, 2).ToArray();
        Assert.True(Math.Abs(top.Zip(direction, (u, v) => u * v).Sum()) > 0.999, $"top component {string.Join(", ", top)}");
        Assert.True(Math.Abs(next.Zip(second, (u, v) => u * v).Sum()) > 0.99, $"second component {string.Join(", ", next)}");
        Assert.InRange(pca.Variances[0], 20, 30); // ≈ 25
        Assert.InRange(pca.Variances[1], 3, 5); // ≈ 4
        var projected = pca.Project(x); // (N, 2), centred
        Assert.Equal([N, 2], projected.ShapeArray());
        Assert.Equal(0.0, projected.Mean(0).ToArray()[0], 9);
    }

    [Fact]
    public void TheScatterSvgIsWellFormed()
    {
        var pca = Pca.Fit(Words.Table, 2, new Rng(0));
        string svg = EmbeddingSvg.Scatter(pca.Project(Words.Table), ["king", "man", "woman", "queen", "<apple>", "&"], "words");
        var doc = XDocument.Parse(svg);
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(6, doc.Descendants(ns + "circle").Count());
        Assert.Contains(doc.Descendants(ns + "text"), t => t.Value == "<apple>");
    }
}
