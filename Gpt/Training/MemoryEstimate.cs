using System.Globalization;
using Scratch.Gpt.Model;

namespace Scratch.Gpt.Training;

/// <summary>
/// How many bytes a GPT needs, worked out from its configuration before anything is allocated, so that a run
/// that cannot fit is refused with numbers instead of ending in an OutOfMemoryException (or in the kernel's
/// OOM killer, which ends the process with no message at all).
/// Letters: P parameters, B batch, T block_size, C n_embd, H n_head, L n_layer, V vocab_size; every number
/// is a float32, 4 bytes.
/// <code>
/// weights                   P
/// gradients                 P                              training only
/// AdamW m and v             2·P                            training only
/// activations of a block    19·B·T·C + B·H·T²              ln_1 C, c_attn 3C, attention output C and weights H·T,
///                                                          heads joined C, c_proj C, residual C, ln_2 C, c_fc 4C,
///                                                          GELU 4C, c_proj C, residual C (per position);
///                           + 4·B·T·C with dropout &gt; 0     two dropouts, each a mask and an output
/// activations outside       3·B·T·C + B·T·V                wte[idx], + wpe, ln_f; the logits
///                           + 2·B·T·C with dropout &gt; 0     the embedding dropout
/// </code>
/// Training keeps every activation of the graph until the backward pass ends, and the backward pass gives
/// each one a gradient of its size: 2 × (L blocks + outside). Inference (no graph) holds one block's
/// activations at a time, the outside ones and a KV cache of 2·L·B·T·C. This counts the tensors a step keeps
/// alive, not the short-lived copies between them nor the runtime itself, so a run needs somewhat more; a
/// test holds the estimate within a factor of 1.5 of the bytes a small model really allocates.
/// </summary>
public sealed record MemoryEstimate
{
    private const double Float = sizeof(float);
    private const int Gpt2Vocabulary = 50257;

    private MemoryEstimate(GptConfig config, int batchSize, bool training)
    {
        Config = config;
        BatchSize = batchSize;
        Training = training;
        double V = config.VocabSize, T = config.BlockSize, L = config.NLayer, H = config.NHead, C = config.NEmbd, B = batchSize;
        double dropouts = config.Dropout > 0 && training ? 1 : 0;
        Parameters = CountParameters(config);
        double block = (19 + 4 * dropouts) * B * T * C + B * H * T * T; // (B, T, ·) tensors and the attention weights (B, H, T, T)
        double outside = (3 + 2 * dropouts) * B * T * C + B * T * V;   // embeddings, ln_f, the logits (B, T, V)
        WeightBytes = Float * Parameters;
        GradientBytes = training ? Float * Parameters : 0;
        OptimizerBytes = training ? 2 * Float * Parameters : 0;
        ActivationBytes = Float * (training ? 2 * (L * block + outside) : block + outside + 2 * L * B * T * C);
    }

    /// <summary>The model's shape.</summary>
    public GptConfig Config { get; }

    /// <summary>B, the windows of block_size tokens in one forward pass.</summary>
    public int BatchSize { get; }

    /// <summary>True for a training step (gradients, AdamW state, the whole graph); false for inference.</summary>
    public bool Training { get; }

    /// <summary>P, the number of parameters (the tied LM head counted once), as a double: an absurd shape may exceed a long.</summary>
    public double Parameters { get; }

    /// <summary>4·P.</summary>
    public double WeightBytes { get; }

    /// <summary>4·P when training, else 0.</summary>
    public double GradientBytes { get; }

    /// <summary>AdamW's m and v, 8·P, when training, else 0.</summary>
    public double OptimizerBytes { get; }

    /// <summary>The activations (and, when training, their gradients) of one forward pass over B × block_size tokens.</summary>
    public double ActivationBytes { get; }

    /// <summary>The sum of the parts.</summary>
    public double TotalBytes => WeightBytes + GradientBytes + OptimizerBytes + ActivationBytes;

    /// <summary>What one training step of <paramref name="config"/> on batches of <paramref name="batchSize"/> windows keeps in memory.</summary>
    public static MemoryEstimate ForTraining(GptConfig config, int batchSize) => new(Checked(config), batchSize, training: true);

    /// <summary>
    /// What running <paramref name="config"/> without gradients keeps in memory (eval, sample, chat, inspection):
    /// the weights and one forward pass over <paramref name="batchSize"/> windows of block_size tokens. For
    /// loading a checkpoint, before its weights are read.
    /// </summary>
    public static MemoryEstimate ForInference(GptConfig config, int batchSize = 1) => new(Checked(config), batchSize, training: false);

    /// <summary>
    /// Refuses a training run whose model cannot fit (see <see cref="EnsureFits"/>), the shape from the options. Before
    /// the tokenizer exists (<paramref name="vocabSize"/> null) the vocabulary is the smallest the options allow:
    /// GPT-2's 50,257 tokens, BPE's --vocab-size, or 1 for characters.
    /// </summary>
    /// <exception cref="ArgumentException">The shape is not a model, or the run does not fit.</exception>
    public static void CheckTraining(TrainOptions options, int? vocabSize = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        int V = vocabSize ?? options.Tokenizer switch { "gpt2" => Gpt2Vocabulary, "bpe" => options.VocabSize, _ => 1 };
        CheckTraining(options.ModelConfig(V), options.BatchSize, options.Tokenizer == "bpe" ? ", --batch-size or --vocab-size" : " or --batch-size");
    }

    /// <summary>Refuses a training run of <paramref name="config"/> on batches of <paramref name="batchSize"/> windows that cannot fit.</summary>
    /// <exception cref="ArgumentException">The run does not fit.</exception>
    public static void CheckTraining(GptConfig config, int batchSize) => CheckTraining(config, batchSize, " or --batch-size");

    private static void CheckTraining(GptConfig config, int batchSize, string lastFlags) =>
        ForTraining(config, batchSize).EnsureFits($"use a smaller --n-layer, --n-embd, --block-size{lastFlags}");

    /// <summary>
    /// The bytes this process may still allocate: the smaller of the runtime's limit (physical memory, or a
    /// container's or DOTNET_GCHeapHardLimit's limit) and, on Linux, MemAvailable in /proc/meminfo (what can be
    /// allocated now without swapping).
    /// </summary>
    public static long AvailableBytes() => AvailableBytes(out _);

    /// <inheritdoc cref="AvailableBytes()"/>
    /// <param name="source">Where the number comes from, for a message.</param>
    public static long AvailableBytes(out string source)
    {
        long limit = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        source = "the runtime's memory limit";
        if (MemAvailable() is long now && now < limit)
        {
            limit = now;
            source = "MemAvailable in /proc/meminfo";
        }
        return limit;
    }

    /// <summary>
    /// Refuses a run that cannot fit: a tensor larger than a .NET array can be, B·T tokens overflowing an int, or
    /// <see cref="TotalBytes"/> above <paramref name="availableBytes"/> (default: <see cref="AvailableBytes()"/>).
    /// </summary>
    /// <param name="advice">What to change, ending the message ("use a smaller --n-embd, …").</param>
    /// <param name="availableBytes">The memory to fit in; null measures this machine's.</param>
    /// <exception cref="ArgumentException">It does not fit; the message gives the estimate, its parts and the memory available.</exception>
    public void EnsureFits(string advice, long? availableBytes = null)
    {
        CheckTensorSizes(advice);
        string source = "the given limit";
        long available = availableBytes ?? AvailableBytes(out source);
        if (TotalBytes > available)
        {
            throw new ArgumentException(
                $"{(Training ? "training" : "running")} this model needs about {Describe()}, more than the {Bytes(available)} available ({source}); {advice}");
        }
    }

    /// <summary>
    /// The estimate and its parts: "316.9 GB (weights 76.8 GB for 19,201,480,000 parameters, gradients 76.8 GB, AdamW m and v
    /// 153.6 GB, activations and their gradients 9.7 GB for B × T = 12 × 64)".
    /// </summary>
    public string Describe()
    {
        string parts = Training
            ? $"weights {Bytes(WeightBytes)} for {Count(Parameters)} parameters, gradients {Bytes(GradientBytes)}, AdamW m and v {Bytes(OptimizerBytes)}, "
              + $"activations and their gradients {Bytes(ActivationBytes)}"
            : $"weights {Bytes(WeightBytes)} for {Count(Parameters)} parameters, activations {Bytes(ActivationBytes)}";
        return $"{Bytes(TotalBytes)} ({parts} for B × T = {BatchSize} × {Config.BlockSize})";
    }

    /// <summary>A byte count for people: "512 bytes", "3.4 MB", "77.1 GB", "1.2e+07 TB".</summary>
    public static string Bytes(double bytes) => bytes switch
    {
        < 1e3 => string.Create(CultureInfo.InvariantCulture, $"{bytes:0} bytes"),
        < 1e6 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e3:0.0} kB"),
        < 1e9 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:0.0} MB"),
        < 1e12 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9:0.0} GB"),
        < 1e15 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e12:0.0} TB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e12:0.0e+0} TB"),
    };

    /// <summary>
    /// P = V·C + T·C + L·(12·C² + 2·C·g) + C·g + (bias: 9·L·C), with g = 2 gains and biases per LayerNorm when
    /// bias is on, else 1: <see cref="Inspection.ParameterTable"/>'s count, in a double so that no shape overflows it.
    /// </summary>
    private static double CountParameters(GptConfig config)
    {
        double V = config.VocabSize, T = config.BlockSize, L = config.NLayer, C = config.NEmbd, g = config.Bias ? 2 : 1;
        return V * C + T * C + L * (12 * C * C + 2 * C * g) + C * g + (config.Bias ? 9 * L * C : 0);
    }

    /// <summary>Each of the largest tensors must fit in one .NET array (at most <see cref="Array.MaxLength"/> elements), and B·T in an int.</summary>
    private void CheckTensorSizes(string advice)
    {
        double V = Config.VocabSize, T = Config.BlockSize, H = Config.NHead, C = Config.NEmbd, B = BatchSize;
        (string Name, double Count)[] tensors =
        [
            ($"a batch of B × T = {B} × {T} tokens", B * T),
            ($"the logits (B × T × V = {B} × {T} × {V})", B * T * V),
            ($"the attention weights (B × H × T × T = {B} × {H} × {T} × {T})", B * H * T * T),
            ($"the MLP's activations (B × T × 4C = {B} × {T} × {4 * C})", B * T * 4 * C),
            ($"the token embedding (V × C = {V} × {C})", V * C),
            ($"the MLP's weight (4C × C = {4 * C} × {C})", 4 * C * C),
        ];
        foreach (var (name, count) in tensors)
        {
            if (count > Array.MaxLength)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"{name} would be {Count(count)} numbers, more than the {Array.MaxLength:N0} one array can hold; {advice}"));
            }
        }
    }

    private static GptConfig Checked(GptConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.Validate();
    }

    private static string Count(double n) => n < 1e15
        ? n.ToString("N0", CultureInfo.InvariantCulture)
        : n.ToString("0.0e+0", CultureInfo.InvariantCulture);

    /// <summary>MemAvailable from /proc/meminfo, in bytes, or null where there is no such file (not Linux).</summary>
    private static long? MemAvailable()
    {
        const string path = "/proc/meminfo";
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }
            foreach (var line in File.ReadLines(path))
            {
                // "MemAvailable:   23456789 kB"
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal)
                    && line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, var kb, "kB"]
                    && long.TryParse(kb, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
                {
                    return value * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }
}
