using System.Text.RegularExpressions;
using Scratch.Autograd;
using Scratch.Nn.Losses;
using Scratch.Nn.Modules;
using Scratch.Nn.Optimizers;
using Scratch.Tensors;

namespace Scratch.Nn.Tests;

/// <summary>
/// Nn/README.md trains a two-layer MLP on XOR. These tests keep the README honest: its ```csharp block must
/// be, character for character (up to whitespace), the code between the README markers in this file, which
/// runs here; the loss must fall, and the ```text block the README prints must be what the code prints.
/// The snippet prints with Console.WriteLine, so the test captures the process-wide Console.Out: it runs in a
/// collection of its own that xunit never runs beside another test (FsCheck's runners print to the console too).
/// </summary>
[Collection(ConsoleCapture.Name)]
public sealed class ReadmeSnippetTests
{
    private static string Readme => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Nn", "README.md"));

    private static string ThisFile => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Nn", "ReadmeSnippetTests.cs"));

    /// <summary>The README's example, verbatim; returns the final loss.</summary>
    private static double TrainXor(TextWriter console)
    {
        Console.SetOut(console);
        // README begin
        var rng = new Rng(42);
        var model = new Sequential<double>(new Linear<double>(2, 8, rng), new Tanh<double>(), new Linear<double>(8, 1, rng));
        var x = new Var<double>(Tensor<double>.FromArray([0, 0, 0, 1, 1, 0, 1, 1], 4, 2)); // the four corners
        var y = new Var<double>(Tensor<double>.FromArray([0, 1, 1, 0], 4, 1));             // XOR of each
        var optimizer = new Adam<double>(model.Parameters(), lr: 0.05);
        for (int step = 1; step <= 200; step++)
        {
            optimizer.ZeroGrad();
            var loss = Loss.BinaryCrossEntropyWithLogits(model.Forward(x), y);
            loss.Backward();
            optimizer.Step();
            if (step % 50 == 0)
            {
                Console.WriteLine($"step {step}: loss {loss.Value.Item():F4}");
            }
        }
        var p = model.Forward(x).Sigmoid().Value.ToArray(); // P(XOR = 1) at each corner
        Console.WriteLine($"p = {string.Join(" ", p.Select(v => v.ToString("F3")))}");
        // README end
        return Loss.BinaryCrossEntropyWithLogits(model.Forward(x), y).Value.Item();
    }

    private static string Normalise(string code) => Regex.Replace(code, @"\s+", " ").Trim();

    private static string Block(string markdown, string language)
    {
        var match = Regex.Match(markdown, $"```{language}\\n(.*?)```", RegexOptions.Singleline);
        Assert.True(match.Success, $"Nn/README.md has no ```{language} block");
        return match.Groups[1].Value;
    }

    [Fact]
    public void TheReadmeSnippetIsTheCodeThisTestRuns()
    {
        var match = Regex.Match(ThisFile, @"// README begin\n(.*?)// README end", RegexOptions.Singleline);
        Assert.True(match.Success, "the README markers are missing from ReadmeSnippetTests.cs");
        Assert.Equal(Normalise(match.Groups[1].Value), Normalise(Block(Readme, "csharp")));
    }

    [Fact]
    public void TheSnippetLearnsXorAndPrintsWhatTheReadmeShows()
    {
        var printed = new StringWriter();
        var original = Console.Out;
        double finalLoss;
        try
        {
            finalLoss = TrainXor(printed);
        }
        finally
        {
            Console.SetOut(original);
        }
        Assert.True(finalLoss < 0.01, $"final loss {finalLoss}");
        Assert.Equal(Normalise(Block(Readme, "text")), Normalise(printed.ToString()));
    }
}

/// <summary>Tests that capture Console.Out run alone, so no other test's printing lands in what they read.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCapture
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Console capture";
}
