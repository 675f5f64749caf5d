using System.Text.Json;

namespace Scratch.Gpt.Training;

// The manifest of a checkpoint directory (see CheckpointDirectory): which files make up its state.

/// <summary>One file of a checkpoint's state: its name, size in bytes and SHA-256 (lowercase hex).</summary>
public sealed record CheckpointFile(string Name, long Bytes, string Sha256);

/// <summary>A checkpoint's manifest (checkpoint.json): the iteration (null for an export without training state) and its files.</summary>
public sealed record CheckpointManifest(int? Iteration, IReadOnlyList<CheckpointFile> Files)
{
    /// <summary>The manifest as indented JSON: {"iteration": k, "files": {"model.safetensors": {"bytes": n, "sha256": "…"}, …}}.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            if (Iteration is int iteration)
            {
                writer.WriteNumber("iteration", iteration);
            }
            else
            {
                writer.WriteNull("iteration");
            }
            writer.WriteStartObject("files");
            foreach (var file in Files)
            {
                writer.WriteStartObject(file.Name);
                writer.WriteNumber("bytes", file.Bytes);
                writer.WriteString("sha256", file.Sha256);
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Reads a manifest written by <see cref="ToJson"/>; <paramref name="path"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">It is not a manifest Scratch wrote.</exception>
    public static CheckpointManifest FromJson(string json, string path)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var iteration = root.GetProperty("iteration");
            var files = root.GetProperty("files").EnumerateObject()
                .Select(f => new CheckpointFile(f.Name, f.Value.GetProperty("bytes").GetInt64(), f.Value.GetProperty("sha256").GetString()!))
                .ToList();
            return new CheckpointManifest(iteration.ValueKind == JsonValueKind.Null ? null : iteration.GetInt32(), files);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path} is not a checkpoint manifest Scratch wrote ({e.Message})", e);
        }
    }
}
