using System.Numerics;
using Scratch.Autograd;
using Scratch.Tensors;

namespace Scratch.Nn.Modules;

/// <summary>
/// A transformer block, pre-LayerNorm with residual connections (GPT-2):
/// <code>
/// x = x + attn(ln_1(x))
/// x = x + mlp(ln_2(x))
/// </code>
/// </summary>
public sealed class Block<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>A block of width <paramref name="nEmbd"/> with <paramref name="nHead"/> heads.</summary>
    public Block(int nEmbd, int nHead, int nLayer, double dropout, bool bias, Rng rng)
    {
        Ln1 = RegisterModule("ln_1", new LayerNorm<T>(nEmbd, bias));
        Attn = RegisterModule("attn", new CausalSelfAttention<T>(nEmbd, nHead, nLayer, dropout, bias, rng));
        Ln2 = RegisterModule("ln_2", new LayerNorm<T>(nEmbd, bias));
        Mlp = RegisterModule("mlp", new Mlp<T>(nEmbd, nLayer, dropout, bias, rng));
    }

    /// <summary>The LayerNorm before attention.</summary>
    public LayerNorm<T> Ln1 { get; }

    /// <summary>The attention.</summary>
    public CausalSelfAttention<T> Attn { get; }

    /// <summary>The LayerNorm before the MLP.</summary>
    public LayerNorm<T> Ln2 { get; }

    /// <summary>The MLP.</summary>
    public Mlp<T> Mlp { get; }

    /// <inheritdoc/>
    public override Var<T> Forward(Var<T> x) => Forward(x, cache: null);

    /// <summary>The block on x (B, T, C); with a <paramref name="cache"/>, attention also sees the cached positions (see <see cref="AttentionCache{T}"/>).</summary>
    public Var<T> Forward(Var<T> x, AttentionCache<T>? cache)
    {
        x = x + Attn.Forward(Ln1.Forward(x), cache); // (B, T, C)
        return x + Mlp.Forward(Ln2.Forward(x)); // (B, T, C)
    }
}
