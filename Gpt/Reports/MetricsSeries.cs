using System.Text.Json;
using System.Text.Json.Nodes;
using Scratch.Gpt.Training;

namespace Scratch.Gpt.Reports;

/// <summary>
/// The curves a report draws from a metrics file (<see cref="MetricsLog"/>): the learning rate at every iteration, and on
/// the steps that were watched (<c>--log-grad-norms</c>) the global gradient norm and, per block
/// (<see cref="TrainingStats.BlockOf"/>), the gradient norm and the update/data ratio, combined from the parameters'
/// numbers as <see cref="ParameterStats.Combine"/> does: ‖g_block‖ = √(Σ ‖g_p‖²), ‖Δw_block‖ / ‖w_block‖ with
/// ‖Δw_p‖ = ratio_p · ‖w_p‖ (a parameter with ‖w_p‖ = 0 has no ratio, and is left out of that step's ratio).
/// </summary>
public sealed class MetricsSeries
{
    /// <summary>(iteration, learning rate) of every line.</summary>
    public List<(int Iteration, double Lr)> LearningRates { get; } = [];

    /// <summary>(iteration, global gradient norm) of every watched step.</summary>
    public List<(int Iteration, double Norm)> GradNorm { get; } = [];

    /// <summary>Per block, (iteration, ‖g_block‖) of every watched step, blocks in the model's order.</summary>
    public Dictionary<string, List<(int Iteration, double Norm)>> BlockGradNorms { get; } = [];

    /// <summary>Per block, (iteration, ‖Δw_block‖ / ‖w_block‖) of every watched step (empty for a file without weight_norm/…).</summary>
    public Dictionary<string, List<(int Iteration, double Ratio)>> BlockUpdateRatios { get; } = [];

    /// <summary>Reads a metrics file; a line that is not JSON names the file and the line.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">A line is not a JSON object with an iteration.</exception>
    public static MetricsSeries Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"metrics file not found: {path}", path);
        }
        var series = new MetricsSeries();
        int number = 0;
        foreach (string text in File.ReadLines(path))
        {
            number++;
            if (text.Length == 0)
            {
                continue;
            }
            JsonObject line;
            int iter;
            try
            {
                line = JsonNode.Parse(text)?.AsObject() ?? throw new JsonException("null");
                iter = line["iter"]!.GetValue<int>();
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException)
            {
                throw new InvalidDataException($"metrics file {path}, line {number}: not a line scratch train --metrics wrote ({e.Message})", e);
            }
            if (line["lr"] is JsonValue lr)
            {
                series.LearningRates.Add((iter, lr.GetValue<double>()));
            }
            if (line["grad_norm"] is JsonValue global)
            {
                series.GradNorm.Add((iter, global.GetValue<double>()));
                series.AddBlocks(iter, line);
            }
        }
        return series;
    }

    private void AddBlocks(int iter, JsonObject line)
    {
        var grads = new Dictionary<string, double>();
        var weights = new Dictionary<string, double>();
        var updates = new Dictionary<string, double>();
        var order = new List<string>();
        foreach (var (key, value) in line)
        {
            int slash = key.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0 || value is null)
            {
                continue;
            }
            string name = key[(slash + 1)..], block = TrainingStats.BlockOf(name);
            double v = value.GetValue<double>();
            switch (key[..slash])
            {
                case "grad_norm":
                    if (!grads.ContainsKey(block))
                    {
                        order.Add(block);
                    }
                    grads[block] = grads.GetValueOrDefault(block) + v * v;
                    break;
                case "weight_norm" when line[$"update_ratio/{name}"] is JsonValue ratio:
                    weights[block] = weights.GetValueOrDefault(block) + v * v;
                    double update = ratio.GetValue<double>() * v; // ‖Δw_p‖ = ratio · ‖w_p‖
                    updates[block] = updates.GetValueOrDefault(block) + update * update;
                    break;
            }
        }
        foreach (string block in order)
        {
            Add(BlockGradNorms, block, (iter, Math.Sqrt(grads[block])));
            if (weights.TryGetValue(block, out double w2) && w2 > 0)
            {
                Add(BlockUpdateRatios, block, (iter, Math.Sqrt(updates[block] / w2)));
            }
        }
    }

    private static void Add<TValue>(Dictionary<string, List<TValue>> map, string key, TValue value)
    {
        if (!map.TryGetValue(key, out var list))
        {
            map[key] = list = [];
        }
        list.Add(value);
    }
}
