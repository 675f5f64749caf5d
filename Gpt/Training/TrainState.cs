using System.Text.Json;
using System.Text.Json.Nodes;
using Scratch.Tensors;

namespace Scratch.Gpt.Training;

/// <summary>
/// What a checkpoint needs besides weights and optimiser state to continue training exactly as if it had
/// never stopped: the number of steps taken, the state of both random generators (the one that draws
/// batches, and the one that drew the initial weights and now draws dropout masks) and the evaluations so far.
/// Saved as <c>train_state.json</c>.
/// </summary>
/// <param name="Iteration">Steps taken; the next step is number <paramref name="Iteration"/>.</param>
/// <param name="DataRng">The batch generator's state.</param>
/// <param name="ModelRng">The dropout generator's state.</param>
/// <param name="BestValLoss">The lowest validation loss seen, or null before the first evaluation.</param>
/// <param name="Evals">Every evaluation so far, in order (the loss curve).</param>
/// <param name="Seed">The run's --seed (the evaluations' generator restarts from it), or null in a state saved before it was recorded.</param>
public sealed record TrainState(int Iteration, RngState DataRng, RngState ModelRng, double? BestValLoss, IReadOnlyList<EvalPoint> Evals, ulong? Seed = null)
{
    /// <summary>The state as indented JSON.</summary>
    public string ToJson()
    {
        var evals = new JsonArray();
        foreach (var e in Evals)
        {
            evals.Add(new JsonObject { ["iter"] = e.Iteration, ["train_loss"] = e.TrainLoss, ["val_loss"] = e.ValLoss });
        }
        return new JsonObject
        {
            ["iteration"] = Iteration,
            ["data_rng"] = Rng(DataRng),
            ["model_rng"] = Rng(ModelRng),
            ["best_val_loss"] = BestValLoss,
            ["seed"] = Seed,
            ["evals"] = evals,
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Reads a state written by <see cref="ToJson"/>.</summary>
    /// <exception cref="InvalidDataException">The JSON is malformed or a field is missing.</exception>
    public static TrainState FromJson(string json)
    {
        try
        {
            var root = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidDataException("not a JSON object");
            var evals = root["evals"]!.AsArray().Select(e => new EvalPoint(
                e!["iter"]!.GetValue<int>(), e["train_loss"]!.GetValue<double>(), e["val_loss"]!.GetValue<double>())).ToList();
            return new TrainState(
                root["iteration"]!.GetValue<int>(),
                Rng(root["data_rng"]!.AsObject()),
                Rng(root["model_rng"]!.AsObject()),
                root["best_val_loss"]?.GetValue<double>(),
                evals,
                root["seed"]?.GetValue<ulong>());
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException)
        {
            throw new InvalidDataException($"train_state.json is not a training state Scratch wrote ({e.Message})", e);
        }
    }

    private static JsonObject Rng(RngState s) => new()
    {
        ["s0"] = s.S0,
        ["s1"] = s.S1,
        ["s2"] = s.S2,
        ["s3"] = s.S3,
        ["spare_normal"] = s.SpareNormal,
    };

    private static RngState Rng(JsonObject o) => new(
        o["s0"]!.GetValue<ulong>(), o["s1"]!.GetValue<ulong>(), o["s2"]!.GetValue<ulong>(), o["s3"]!.GetValue<ulong>(),
        o["spare_normal"]?.GetValue<double>());
}
