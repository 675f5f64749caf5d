using Scratch.Gpt.Model;
using Scratch.Nn.Checkpoints;
using Scratch.Tensors;

namespace Scratch.Gpt.Checkpoints;

/// <summary>
/// Fills a <see cref="GptModel{T}"/> from a Hugging Face GPT-2 model.safetensors (see <see cref="HuggingFaceGpt2"/>):
/// for each parameter <c>transformer.NAME</c>, the file's <c>NAME</c> (or <c>transformer.NAME</c>), transposed if
/// it is a Conv1D weight. Every name and shape is checked before a byte of weights is read.
/// </summary>
internal static class Gpt2Weights
{
    private const string Prefix = "transformer.";

    private sealed record Source(string Parameter, string Stored, Tensor<float> Tensor, bool Transposed)
    {
        /// <summary>The shape the file must hold: Conv1D's (in, out) is the transpose of the parameter's (out, in).</summary>
        public int[] StoredShape => Transposed ? [Tensor.Size(1), Tensor.Size(0)] : Tensor.ShapeArray();
    }

    /// <summary>Reads the file at <paramref name="path"/> into the model's parameters; says what it read, transposed and skipped.</summary>
    /// <exception cref="ArgumentException">A weight is missing, mis-shaped, unexpected, or lm_head.weight differs from wte.weight.</exception>
    /// <exception cref="SafetensorsFormatException">The file is malformed, or a weight is not stored as floats.</exception>
    public static Gpt2ImportSummary LoadInto(GptModel<float> model, string path)
    {
        using var file = SafetensorsFile.Open(path, anyDType: true);
        string prefix = file.Contains(Prefix + "wte.weight") ? Prefix : ""; // transformers' GPT2LMHeadModel keeps the prefix
        var config = model.Config;
        var sources = model.StateDict().Entries.Select(e => new Source(e.Name, prefix + e.Name[Prefix.Length..], e.Tensor,
            HuggingFaceGpt2.Conv1DWeights.Any(w => e.Name.EndsWith(w, StringComparison.Ordinal)))).ToList();
        Check(path, file, sources, config, prefix);

        float[]? buffer = null; // one transposed weight at a time
        foreach (var s in sources)
        {
            if (!s.Transposed)
            {
                file.ReadInto(s.Stored, s.Tensor.AsSpan()); // straight into the parameter
                continue;
            }
            int rows = s.Tensor.Size(1), cols = s.Tensor.Size(0); // stored (in, out)
            buffer ??= new float[sources.Where(t => t.Transposed).Max(t => t.Tensor.Count)];
            var stored = buffer.AsSpan(0, rows * cols);
            file.ReadInto(s.Stored, stored);
            Transpose(stored, rows, cols, s.Tensor.AsSpan()); // (in, out) → (out, in)
        }
        if (file.Contains("lm_head.weight"))
        {
            CheckTied(path, file, model.TokenEmbedding.Value);
        }
        var read = sources.Select(s => s.Stored).ToHashSet();
        return new Gpt2ImportSummary(
            [.. sources.Select(s => file.Info(s.Stored).DType).Distinct()],
            sources.Count(s => s.Transposed),
            [.. file.Tensors.Select(t => t.Name).Where(n => !read.Contains(n))],
            prefix.Length > 0);
    }

    private static void Check(string path, SafetensorsFile file, List<Source> sources, GptConfig config, string prefix)
    {
        string shape = $"n_layer {config.NLayer}, n_embd {config.NEmbd}, vocab_size {config.VocabSize}, n_positions {config.BlockSize}";
        var missing = sources.Where(s => !file.Contains(s.Stored)).ToList();
        if (missing.Count > 0)
        {
            string more = missing.Count > 1 ? $" and {missing.Count - 1} more ({string.Join(", ", missing.Skip(1).Take(3).Select(s => s.Stored))}{(missing.Count > 4 ? ", …" : "")})" : "";
            throw new ArgumentException($"{path} has no '{missing[0].Stored}' {Shapes.Format(missing[0].StoredShape)}{more}, which GPT-2 with config.json's {shape} needs");
        }
        foreach (var s in sources)
        {
            var stored = file.Info(s.Stored).Shape;
            if (!Shapes.Equal(stored, s.StoredShape))
            {
                string layout = s.Transposed ? $" (GPT-2's Conv1D stores (in, out), the transpose of the model's {Shapes.Format(s.Tensor.Shape)})" : "";
                throw new ArgumentException($"{path}: '{s.Stored}' has shape {Shapes.Format(stored)}, but config.json's {shape} needs {Shapes.Format(s.StoredShape)}{layout}");
            }
        }
        var known = sources.Select(s => s.Stored).ToHashSet();
        foreach (var t in file.Tensors)
        {
            bool buffer = t.Name.StartsWith(prefix + "h.", StringComparison.Ordinal)
                && (t.Name.EndsWith(".attn.bias", StringComparison.Ordinal) || t.Name.EndsWith(".attn.masked_bias", StringComparison.Ordinal));
            if (!known.Contains(t.Name) && !buffer && t.Name != "lm_head.weight")
            {
                throw new ArgumentException($"{path}: unexpected tensor '{t.Name}' {Shapes.Format(t.Shape)}, not a weight of GPT-2 with config.json's {shape}");
            }
        }
    }

    /// <summary>dst (cols, rows) = srcᵀ for src (rows, cols), both row-major; in 32 × 32 tiles, so both sides stay in cache.</summary>
    private static void Transpose(ReadOnlySpan<float> src, int rows, int cols, Span<float> dst)
    {
        const int Tile = 32;
        for (int r0 = 0; r0 < rows; r0 += Tile)
        {
            for (int c0 = 0; c0 < cols; c0 += Tile)
            {
                for (int r = r0; r < Math.Min(r0 + Tile, rows); r++)
                {
                    for (int c = c0; c < Math.Min(c0 + Tile, cols); c++)
                    {
                        dst[c * rows + r] = src[r * cols + c];
                    }
                }
            }
        }
    }

    /// <summary>lm_head.weight, when a file has it, must be wte.weight: Scratch (like GPT-2) ties the two.</summary>
    private static void CheckTied(string path, SafetensorsFile file, Tensor<float> wte)
    {
        var info = file.Info("lm_head.weight");
        if (!Shapes.Equal(info.Shape, wte.Shape))
        {
            throw new ArgumentException($"{path}: 'lm_head.weight' has shape {Shapes.Format(info.Shape)} but wte.weight {Shapes.Format(wte.Shape)}; Scratch ties the LM head to the token embedding, as GPT-2 does");
        }
        var head = new float[wte.Count];
        file.ReadInto("lm_head.weight", head.AsSpan());
        var embedding = wte.AsSpan();
        for (int i = 0; i < head.Length; i++)
        {
            if (head[i] != embedding[i])
            {
                int C = wte.Size(1);
                throw new ArgumentException($"{path}: 'lm_head.weight' differs from 'wte.weight' (at [{i / C}, {i % C}]: {head[i]} vs {embedding[i]}); Scratch ties the LM head to the token embedding, as GPT-2 does");
            }
        }
    }
}
