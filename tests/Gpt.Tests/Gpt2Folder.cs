using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Scratch.Nn.Checkpoints;

namespace Scratch.Gpt.Tests;

/// <summary>
/// Hugging Face GPT-2 folders made from the committed fixture (tests/fixtures/gpt2hf, written by
/// make_gpt2_hf_fixture.py) in a temporary directory: model.safetensors (possibly re-encoded or edited),
/// config.json (possibly edited), and GPT-2's vocab.json + merges.txt from ../shared/data/gpt2.
/// </summary>
internal sealed class Gpt2Folder : IDisposable
{
    /// <summary>The committed fixture.</summary>
    public static string FixtureDir => Path.Combine(Corpus.RepoRoot, "tests", "fixtures", "gpt2hf");

    private Gpt2Folder(string dir) => Dir = dir;

    /// <summary>The folder.</summary>
    public string Dir { get; }

    /// <summary>model.safetensors in the folder.</summary>
    public string Weights => Path.Combine(Dir, "model.safetensors");

    /// <summary>
    /// A folder with the fixture's weights in <paramref name="dtype"/> (F32, F16 or BF16: exact, the weights are bfloat16
    /// numbers), each tensor passed through <paramref name="edit"/> (return null to drop it; more may be added by
    /// <paramref name="extra"/>), and its config.json through <paramref name="config"/>.
    /// </summary>
    public static Gpt2Folder Create(string dtype = "F32", Func<Stored, Stored?>? edit = null, IEnumerable<Stored>? extra = null, Action<JsonObject>? config = null)
    {
        var dir = Directory.CreateTempSubdirectory("scratch-gpt2hf-").FullName;
        var (tensors, _) = Safetensors.LoadRaw(Path.Combine(FixtureDir, "model.safetensors"));
        var stored = new List<Stored>();
        foreach (var t in tensors)
        {
            var s = new Stored(t.Name, t.DType, t.Shape, t.Data);
            if (dtype != "F32" && !t.Name.EndsWith(".attn.bias", StringComparison.Ordinal) && !t.Name.EndsWith(".attn.masked_bias", StringComparison.Ordinal)) // buffers stay F32: skipped anyway
            {
                s = Encode(s, dtype);
            }
            if ((edit is null ? s : edit(s)) is Stored kept)
            {
                stored.Add(kept);
            }
        }
        stored.AddRange(extra ?? []);
        Write(Path.Combine(dir, "model.safetensors"), stored);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(FixtureDir, "config.json")))!.AsObject();
        config?.Invoke(json);
        File.WriteAllText(Path.Combine(dir, "config.json"), json.ToJsonString());
        File.Copy(Path.Combine(Corpus.Gpt2Dir, "encoder.json"), Path.Combine(dir, "vocab.json")); // the same bytes under Hugging Face's names
        File.Copy(Path.Combine(Corpus.Gpt2Dir, "vocab.bpe"), Path.Combine(dir, "merges.txt"));
        return new Gpt2Folder(dir);
    }

    /// <summary>One stored tensor: name, dtype, shape and little-endian bytes.</summary>
    public sealed record Stored(string Name, string DType, int[] Shape, byte[] Data)
    {
        /// <summary>The values, for F32.</summary>
        public float[] Floats() => [.. Enumerable.Range(0, Data.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(Data.AsSpan(4 * i)))];

        /// <summary>An F32 tensor holding <paramref name="values"/>.</summary>
        public static Stored F32(string name, int[] shape, float[] values)
        {
            var data = new byte[4 * values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4 * i), values[i]);
            }
            return new Stored(name, "F32", shape, data);
        }
    }

    /// <summary>F32 → F16 or BF16; the fixture's weights are bfloat16 numbers (and 0 below 2⁻¹⁴), so both are exact.</summary>
    private static Stored Encode(Stored s, string dtype)
    {
        float[] values = s.Floats();
        var data = new byte[2 * values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            float back;
            if (dtype == "F16")
            {
                BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(2 * i), (Half)values[i]);
                back = (float)(Half)values[i];
            }
            else
            {
                ushort top = (ushort)(BitConverter.SingleToInt32Bits(values[i]) >>> 16);
                BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(2 * i), top);
                back = BitConverter.Int32BitsToSingle(top << 16);
            }
            if (back != values[i])
            {
                throw new InvalidOperationException($"fixture: {s.Name}[{i}] = {values[i]} is not exact in {dtype} (regenerate the fixture)");
            }
        }
        return s with { DType = dtype, Data = data };
    }

    /// <summary>A safetensors file written by hand, so that any dtype (BOOL too) can be stored.</summary>
    private static void Write(string path, List<Stored> tensors)
    {
        var header = new JsonObject { ["__metadata__"] = new JsonObject { ["format"] = "pt" } };
        long offset = 0;
        foreach (var t in tensors)
        {
            header[t.Name] = new JsonObject
            {
                ["dtype"] = t.DType,
                ["shape"] = new JsonArray([.. t.Shape.Select(d => (JsonNode)d)]),
                ["data_offsets"] = new JsonArray(offset, offset + t.Data.Length),
            };
            offset += t.Data.Length;
        }
        var text = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padding = (8 - text.Length % 8) % 8;
        using var file = File.Create(path);
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)(text.Length + padding));
        file.Write(length);
        file.Write(text);
        file.Write(Encoding.ASCII.GetBytes(new string(' ', padding)));
        foreach (var t in tensors)
        {
            file.Write(t.Data);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
