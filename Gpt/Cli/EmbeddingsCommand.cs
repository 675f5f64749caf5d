using System.CommandLine;
using System.Globalization;
using Scratch.Gpt.Checkpoints;
using Scratch.Gpt.Inspection;
using Scratch.Gpt.Tokenizers;
using Scratch.Tensors;
using Spectre.Console;

namespace Scratch.Gpt.Cli;

/// <summary>
/// <c>scratch embeddings --ckpt DIR [--nearest TOKEN] [--analogy A B C] [--out FILE.svg]</c>: looks at the token
/// embedding: the tokens nearest to one by cosine similarity, the a − b + c analogy, and a 2-D PCA scatter
/// (see <see cref="EmbeddingSpace"/> and <see cref="Pca"/>).
/// </summary>
public static class EmbeddingsCommand
{
    /// <summary>The command, on the console.</summary>
    public static Command Create() => Create(System.Console.Out, System.Console.Error);

    /// <summary>The command, writing tables to <paramref name="output"/>.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var ckpt = CommandSupport.Required<string>("--ckpt", "checkpoint directory (model.safetensors, config.json, tokenizer.json)");
        var nearest = CommandSupport.Opt<string?>("--nearest", "list the tokens most similar to this one (a single token; \\n is a newline)", null);
        var analogy = new Option<string[]>("--analogy")
        {
            Description = "A B C: the tokens nearest to A − B + C, leaving out A, B and C (\"A is to B as ? is to C\")",
            Arity = new ArgumentArity(3, 3),
            AllowMultipleArgumentsPerToken = true,
        };
        var top = CommandSupport.Opt("--top", "how many tokens to list", 10);
        var outFile = CommandSupport.Opt<string?>("--out", "write the PCA scatter plot of every token to this SVG file", null);
        var command = new Command("embeddings", "Look at a checkpoint's token embedding: nearest tokens, analogies, a PCA scatter plot.")
        { ckpt, nearest, analogy, top, outFile };
        command.SetAction(parse => CliErrors.Guard("embeddings", error, () =>
        {
            string? near = parse.GetValue(nearest), path = parse.GetValue(outFile);
            string[]? abc = parse.GetValue(analogy) is { Length: > 0 } given ? given : null; // absent gives an empty array
            int k = parse.GetValue(top);
            if (near is null && abc is null && path is null)
            {
                throw new ArgumentException("give at least one of --nearest, --analogy or --out");
            }
            if (k < 1)
            {
                throw new ArgumentException($"--top must be ≥ 1, got {k}");
            }
            Preflight.InputFolder("--ckpt", parse.GetValue(ckpt));
            Preflight.OutputFile("--out", path, svg: true);
            var (model, tokenizer) = CheckpointLoader.Load(parse.GetValue(ckpt)!);
            var space = EmbeddingSpace.FromModel(model);
            var console = CommandSupport.Console(output);
            if (near is not null)
            {
                int id = SingleToken(tokenizer, near, "--nearest");
                Print(console, $"nearest to '{TokenLabel.Of(tokenizer, id)}' by cosine similarity", space.Nearest(id, k), tokenizer);
            }
            if (abc is not null)
            {
                int a = SingleToken(tokenizer, abc[0], "--analogy"), b = SingleToken(tokenizer, abc[1], "--analogy"), c = SingleToken(tokenizer, abc[2], "--analogy");
                string Name(int id) => TokenLabel.Of(tokenizer, id);
                Print(console, $"'{Name(a)}' − '{Name(b)}' + '{Name(c)}'", space.Analogy(a, b, c, k), tokenizer);
            }
            if (path is not null)
            {
                var pca = Pca.Fit(space.Table, 2, new Rng(0));
                var labels = Enumerable.Range(0, space.Count).Select(i => i < tokenizer.VocabSize ? TokenLabel.Of(tokenizer, i) : $"#{i}").ToArray();
                string title = $"the token embedding ({space.Count} tokens) on its top two principal components";
                File.WriteAllText(path, EmbeddingSvg.Scatter(pca.Project(space.Table), labels, title, EmbeddingSvg.AxisName(pca, 0), EmbeddingSvg.AxisName(pca, 1)));
                output.WriteLine($"wrote {path}: {space.Count} tokens on their top two principal components");
            }
            return 0;
        }));
        return command;
    }

    private static int SingleToken(ITokenizer tokenizer, string text, string flag)
    {
        int[] ids = CommandSupport.EncodePrompt(tokenizer, CommandSupport.Unescape(text), flag);
        return ids.Length == 1 ? ids[0] : throw new ArgumentException($"{flag}: '{text}' is {ids.Length} tokens; give a single token");
    }

    private static void Print(IAnsiConsole console, string title, IReadOnlyList<(int Id, double Similarity)> rows, ITokenizer tokenizer)
    {
        var table = new Table { Title = new TableTitle(Markup.Escape(title)) };
        table.AddColumn(new TableColumn("rank").RightAligned());
        table.AddColumn("token");
        table.AddColumn(new TableColumn("id").RightAligned());
        table.AddColumn(new TableColumn("cosine").RightAligned());
        for (int r = 0; r < rows.Count; r++)
        {
            var (id, similarity) = rows[r];
            table.AddRow((r + 1).ToString(CultureInfo.InvariantCulture), Markup.Escape($"'{TokenLabel.Of(tokenizer, id)}'"),
                id.ToString(CultureInfo.InvariantCulture), similarity.ToString("F4", CultureInfo.InvariantCulture));
        }
        console.Write(table);
    }
}
