using System.Globalization;
using Scratch.Gpt.Model;
using Scratch.Gpt.Tokenizers;
using Scratch.Tensors;

namespace Scratch.Gpt.Training;

/// <summary>
/// nanoGPT's <c>init_from='gpt2'</c>: training starts from a checkpoint's weights instead of random ones (fine-tuning),
/// with its tokenizer, at iteration 0 with a fresh optimiser. As in nanoGPT, the shape is the checkpoint's except two
/// things a fine-tuning run may choose: dropout (nanoGPT's default for it: 0) and a shorter block_size, for which the
/// position embedding keeps its first rows (nanoGPT's <c>crop_block_size</c>), so that a CPU step takes seconds:
/// <code>
/// wpe ← wpe[0 : block_size]          (block_size, C): positions past the new block_size are never used
/// </code>
/// The checkpoint may be anything <c>--ckpt</c> reads: a Scratch checkpoint, a quantized one (dequantized), or GPT-2 in
/// Hugging Face's layout.
/// </summary>
public static class InitFrom
{
    /// <summary>The model to fine-tune and its tokenizer, from <see cref="TrainOptions.InitFrom"/>, and a line saying what was done.</summary>
    /// <exception cref="ArgumentException">--block-size is longer than the checkpoint's.</exception>
    public static (GptModel<float> Model, ITokenizer Tokenizer, string Message) Load(TrainOptions options, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(options);
        string dir = options.InitFrom ?? throw new ArgumentException("--init-from is not set");
        var (loaded, tokenizer) = Checkpoint.LoadModel(dir, rng);
        var config = loaded.Config;
        int blockSize = options.BlockSize ?? config.BlockSize;
        if (blockSize > config.BlockSize)
        {
            throw new ArgumentException($"--block-size {blockSize} is longer than the block_size {config.BlockSize} of --init-from {dir}: its position embedding has no rows past {config.BlockSize}");
        }
        var target = config with { BlockSize = blockSize, Dropout = options.Dropout ?? 0.0 };
        string message = string.Create(CultureInfo.InvariantCulture,
            $"initialised from {dir} ({loaded.ParameterCount():N0} parameters, n_layer {config.NLayer}, n_head {config.NHead}, n_embd {config.NEmbd}, vocab_size {config.VocabSize}); ");
        if (target == config)
        {
            return (loaded, tokenizer, message + $"block_size {blockSize}, dropout {target.Dropout}");
        }
        var model = new GptModel<float>(target, rng); // the new dropout or block_size; every weight copied below
        var from = loaded.StateDict();
        foreach (var (name, tensor) in model.StateDict().Entries)
        {
            var source = from[name];
            tensor.CopyFrom(name == "transformer.wpe.weight" ? source.Slice(0, 0, blockSize) : source); // crop_block_size
        }
        string crop = blockSize < config.BlockSize ? $"block_size cropped from {config.BlockSize} to {blockSize}" : $"block_size {blockSize}";
        return (model, tokenizer, message + crop + string.Create(CultureInfo.InvariantCulture, $", dropout {target.Dropout}"));
    }
}
