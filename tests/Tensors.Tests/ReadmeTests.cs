using System.Text.RegularExpressions;

namespace Scratch.Tensors.Tests;

/// <summary>
/// Tensors/README.md and the repository's README.md show code that prints. The code between each pair of markers
/// below is a README's ```csharp block, verbatim (tests/Docs.Tests checks that); these tests run it and check that
/// it prints the README's ```text block that follows, and that the picture of a transposed view states the strides
/// the code prints.
/// </summary>
[Collection(ConsoleCapture.Name)]
public sealed class ReadmeTests
{
    private static string Read(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", name));

    private static string Printed(Action code)
    {
        var original = Console.Out;
        var printed = new StringWriter { NewLine = "\n" };
        Console.SetOut(printed);
        try
        {
            code();
        }
        finally
        {
            Console.SetOut(original);
        }
        return printed.ToString();
    }

    /// <summary>The ```text block right after the ```csharp block that holds <paramref name="firstLine"/>.</summary>
    private static string OutputAfter(string markdown, string firstLine)
    {
        int code = markdown.IndexOf("```csharp\n" + firstLine, StringComparison.Ordinal);
        Assert.True(code >= 0, $"no ```csharp block starting with {firstLine}");
        var output = new Regex("```text\n(.*?)```", RegexOptions.Singleline).Match(markdown, code);
        Assert.True(output.Success, $"no ```text block after the one starting with {firstLine}");
        return output.Groups[1].Value;
    }

    private static void TensorsReadme()
    {
        // README Tensors begin
        static string Layout(Tensor<float> x) =>
            $"shape {Shapes.Format(x.Shape)}, strides {Shapes.Format(x.Strides)}, offset {x.Offset}, contiguous {x.IsContiguous}";

        var a = Tensor<float>.Arange(6).Reshape(2, 3);  // 0 1 2 / 3 4 5, in one array of 6 numbers
        var t = a.Transpose();                          // a view: the same array, strides swapped
        var c = t.Contiguous();                         // a copy, laid out row by row
        var s = a.Slice(1, 1, 3);                       // columns 1 and 2: a view that starts 1 number in
        var b = Tensor<float>.FromArray([10f, 20f, 30f], 3);
        var e = b.Expand(2, 3);                         // b's one row, seen twice: stride 0

        Console.WriteLine($"a   {Layout(a)}");
        Console.WriteLine($"aᵀ  {Layout(t)}");
        Console.WriteLine($"c   {Layout(c)}");
        Console.WriteLine($"s   {Layout(s)}");
        Console.WriteLine($"e   {Layout(e)}");
        Console.WriteLine(ReferenceEquals(t.Storage, a.Storage)); // the view shares a's array
        Console.WriteLine(t[2, 1]);                     // Storage[0 + 2·1 + 1·3] = Storage[5]
        Console.WriteLine(a + b);                       // [2,3] + [3]: b is added to every row
        try
        {
            Tensor<float>.MatMul(Tensor<float>.Zeros(12, 64), Tensor<float>.Zeros(32, 10));
        }
        catch (ArgumentException error)
        {
            Console.WriteLine(error.Message);
        }
        // README Tensors end
    }

    [Fact]
    public void TheTensorsReadmePrintsWhatItShows()
    {
        string printed = Printed(TensorsReadme);
        Assert.Equal(OutputAfter(Read("Tensors.md"), "static string Layout"), printed);
    }

    [Fact]
    public void ThePictureOfATransposedViewStatesItsStrides()
    {
        string svg = Read("transpose-strides.svg");
        var a = Tensor<float>.Arange(6).Reshape(2, 3);
        var t = a.Transpose();
        Assert.Contains($"strides {Shapes.Format(a.Strides)}", svg);
        Assert.Contains($"strides {Shapes.Format(t.Strides)}", svg);
        // every element of aᵀ is labelled with the storage index it reads: offset + i·stride₀ + j·stride₁
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 2; j++)
            {
                int index = t.Offset + i * t.Strides[0] + j * t.Strides[1];
                Assert.Equal(index, (int)t[i, j]); // Arange: the value is its storage index
                Assert.Contains($">aᵀ[{i},{j}] = s[{index}]<", svg);
            }
        }
    }

    [Fact]
    public void ReshapeCopiesOnlyWhatStridesCannotExpressAndViewRefuses()
    {
        // Tensors/README.md §2: "Reshape of a contiguous tensor only computes new row-major strides. When the strides
        // cannot express the new shape (a transposed view reshaped to 6 numbers in a row) it copies first; View
        // refuses instead of copying."
        var a = Tensor<float>.Arange(6).Reshape(2, 3);
        var t = a.Transpose();
        Assert.Same(a.Storage, a.Reshape(3, 2).Storage);
        var flat = t.Reshape(6);
        Assert.NotSame(a.Storage, flat.Storage);
        Assert.Equal([0f, 3f, 1f, 4f, 2f, 5f], flat.ToArray());
        Assert.Throws<InvalidOperationException>(() => t.View(6));
        Assert.Contains("Reshape** of a contiguous tensor only computes new row-major strides", Read("Tensors.md"));
    }

    private static void FirstLook()
    {
        // README first look begin
        var rng = new Rng(seed: 0);
        var x = Tensor<float>.Randn(rng, 2, 3);              // (2, 3) standard normal samples
        var w = Tensor<float>.Randn(rng, 3, 4);
        var y = x.MatMul(w).Relu();                           // (2, 4)
        Console.WriteLine(y.Softmax(dim: -1));                // each row sums to 1
        Console.WriteLine(x.Transpose().IsContiguous);        // False: a view with swapped strides
        // README first look end
    }

    [Fact]
    public void TheRepositoryReadmesFirstLookPrintsWhatItShows()
    {
        string printed = Printed(FirstLook);
        Assert.Equal(OutputAfter(Read("README.md"), "var rng = new Rng(seed: 0);"), printed);
    }
}

/// <summary>Tests that capture Console.Out run alone, so no other test's printing lands in what they read.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCapture
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Console capture";
}
