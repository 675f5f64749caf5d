using System.Text.Json;
using System.Text.Json.Nodes;
using Scratch.Gpt.Data;
using Scratch.Gpt.Training;

namespace Scratch.Gpt.Reports;

/// <summary>
/// What a checkpoint directory's report needs that the checkpoint itself does not keep, saved beside it as
/// <c>run.json</c> by <c>scratch train</c>: the run's options (every flag, paths made absolute), and the exact loss of
/// the final checkpoint on the whole val split (<see cref="LossEstimator.Exact"/>), with the iteration it belongs to.
/// </summary>
/// <param name="Options">The flags of the run (of its last part, after a --resume).</param>
/// <param name="Exact">The exact evaluation, or null when it was not measured.</param>
public sealed record RunRecord(TrainOptions? Options, ExactEval? Exact)
{
    /// <summary>The file's name in the checkpoint directory.</summary>
    public const string FileName = "run.json";

    /// <summary>snake_case names, as nanoGPT's flags and the other files of a checkpoint.</summary>
    internal static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    private static JsonSerializerOptions Json => JsonOptions;

    /// <summary>The record as indented JSON.</summary>
    public string ToJson() => new JsonObject
    {
        ["options"] = Options is null ? null : JsonSerializer.SerializeToNode(Options, Json),
        ["exact_eval"] = Exact is null ? null : JsonSerializer.SerializeToNode(Exact, Json),
    }.ToJsonString(Json);

    /// <summary>The checkpoint's run.json, or an empty record when it has none (a checkpoint written before reports).</summary>
    /// <exception cref="InvalidDataException">run.json is not a record Scratch wrote (the message names it).</exception>
    public static RunRecord Load(string dir)
    {
        string path = Path.Combine(dir, FileName);
        if (!File.Exists(path))
        {
            return new RunRecord(null, null);
        }
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new JsonException("not a JSON object");
            return new RunRecord(root["options"]?.Deserialize<TrainOptions>(Json), root["exact_eval"]?.Deserialize<ExactEval>(Json));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NotSupportedException)
        {
            throw new InvalidDataException($"{path} is not a run record Scratch wrote ({e.Message})", e);
        }
    }

    /// <summary>Writes the record into <paramref name="dir"/> (atomically).</summary>
    public void Save(string dir) => AtomicFile.WriteAllText(Path.Combine(dir, FileName), ToJson());

    /// <summary><paramref name="options"/> with its paths absolute, so that the report can find them from anywhere.</summary>
    public static TrainOptions Absolute(TrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        static string? Full(string? path) => path is null ? null : Path.GetFullPath(path);
        return options with { Data = Full(options.Data)!, OutDir = Full(options.OutDir)!, Metrics = Full(options.Metrics), Vocab = Full(options.Vocab) };
    }

    /// <summary>
    /// The exact val loss of the checkpoint in <paramref name="dir"/> on <paramref name="data"/>: every window of the val
    /// split, as <c>scratch eval --all</c> computes it.
    /// </summary>
    public static ExactEval MeasureExact(string dir, string data, int batchSize)
    {
        var (model, tokenizer) = Checkpoint.LoadModel(dir, new Scratch.Tensors.Rng(0));
        var state = Checkpoint.LoadState(dir);
        var tokens = TokenData.FromFile(data, tokenizer); // as bytes for the byte-level BPE tokenizer, as UTF-8 text for the others
        double loss = LossEstimator.Exact(model, tokens.Val, batchSize);
        return new ExactEval(state.Iteration, "val", loss, tokens.Val.Length, Path.GetFullPath(data));
    }
}

/// <summary>An exact evaluation: the mean cross-entropy over every window of a split.</summary>
/// <param name="Iteration">The checkpoint's iteration.</param>
/// <param name="Split">"val".</param>
/// <param name="Loss">The mean loss per token.</param>
/// <param name="Tokens">The split's length in tokens.</param>
/// <param name="Data">The corpus file.</param>
public sealed record ExactEval(int Iteration, string Split, double Loss, int Tokens, string Data);
