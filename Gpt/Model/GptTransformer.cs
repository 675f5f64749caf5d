using System.Numerics;
using Scratch.Autograd;
using Scratch.Nn;
using Scratch.Nn.Init;
using Scratch.Nn.Modules;
using Scratch.Tensors;

namespace Scratch.Gpt.Model;

/// <summary>nanoGPT's <c>transformer</c> ModuleDict: wte, wpe, drop, h, ln_f.</summary>
internal sealed class GptTransformer<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Dropout<T> drop;
    private readonly Sequential<T> h;
    private readonly LayerNorm<T> lnF;

    public GptTransformer(GptConfig config, Rng rng)
    {
        Wte = RegisterModule("wte", new Embedding<T>(config.VocabSize, config.NEmbd, rng));
        Wpe = RegisterModule("wpe", new Embedding<T>(config.BlockSize, config.NEmbd, rng));
        drop = RegisterModule("drop", new Dropout<T>(config.Dropout, rng));
        Blocks = Enumerable.Range(0, config.NLayer)
            .Select(_ => new Block<T>(config.NEmbd, config.NHead, config.NLayer, config.Dropout, config.Bias, rng)).ToArray();
        h = RegisterModule("h", new Sequential<T>([.. Blocks]));
        lnF = RegisterModule("ln_f", new LayerNorm<T>(config.NEmbd, config.Bias));
        // nanoGPT's _init_weights: embeddings N(0, 0.02²) (the blocks initialise themselves the same way).
        Wte.Weight.Value.CopyFrom(Initializers.Gpt2<T>(rng, config.VocabSize, config.NEmbd));
        Wpe.Weight.Value.CopyFrom(Initializers.Gpt2<T>(rng, config.BlockSize, config.NEmbd));
    }

    public Embedding<T> Wte { get; }

    public Embedding<T> Wpe { get; }

    public IReadOnlyList<Block<T>> Blocks { get; }

    public LayerNorm<T> LnF => lnF;

    /// <summary>
    /// The final hidden states ln_f(h(drop(wte[idx] + wpe[P..P+T)))), (B, T, C). P = 0 without a cache; with one
    /// (a <see cref="AttentionCache{T}"/> per block, all holding P positions), the tokens sit after the cached ones.
    /// </summary>
    public Var<T> Forward(int[] idx, int batch, int time, IReadOnlyList<AttentionCache<T>>? cache = null)
    {
        int start = cache is null ? 0 : cache[0].Length; // P
        var tok = Wte.Forward(idx, batch, time); // (B, T, C)
        var pos = Wpe.Weight.Slice(0, start, start + time); // (T, C): positions P … P+T−1
        var x = drop.Forward(tok + pos); // (B, T, C), pos broadcast over the batch
        for (int i = 0; i < Blocks.Count; i++)
        {
            x = Blocks[i].Forward(x, cache?[i]); // (B, T, C)
        }
        return lnF.Forward(x); // (B, T, C)
    }
}
