using System.Numerics;
using Scratch.Autograd;
using Scratch.Nn.Init;
using Scratch.Tensors;

namespace Scratch.Nn.Modules;

/// <summary>
/// Multi-head causal self-attention, as nanoGPT's. Dimensions: B batch, T time, C channels (n_embd),
/// H heads, hs = C / H head size.
/// <code>
/// q, k, v = split(x·W_attnᵀ + b_attn)          c_attn: rows [0,C) make q, [C,2C) k, [2C,3C) v
/// per head: att = softmax(q·kᵀ/√hs, masked with −∞ where key &gt; query)
///           y = attn_dropout(att)·v             dropout on the attention weights
/// out = resid_dropout(concat(heads)·W_projᵀ + b_proj)
/// </code>
/// Both dropouts are nanoGPT's (p = config.dropout, in training mode only) and draw from the generator the
/// module was made with, attention's mask first. The split into heads, the attention and the join are one op,
/// <see cref="Var{T}.CausalSelfAttentionQkv"/>; with a KV cache (sampling) the heads are views of qkv and the cache attends.
/// </summary>
public sealed class CausalSelfAttention<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Linear<T> attn;
    private readonly Linear<T> proj;
    private readonly Dropout<T> attnDropout;
    private readonly Dropout<T> residDropout;
    private readonly Rng rng;

    /// <summary>Attention over width <paramref name="nEmbd"/> split into <paramref name="nHead"/> heads.</summary>
    public CausalSelfAttention(int nEmbd, int nHead, int nLayer, double dropout, bool bias, Rng rng)
    {
        if (nHead <= 0 || nEmbd % nHead != 0)
        {
            throw new ArgumentException($"causal_self_attention: n_embd {nEmbd} is not divisible by n_head {nHead}");
        }
        NEmbd = nEmbd;
        NHead = nHead;
        attn = RegisterModule("c_attn", new Linear<T>(nEmbd, 3 * nEmbd, rng, bias));
        proj = RegisterModule("c_proj", new Linear<T>(nEmbd, nEmbd, rng, bias));
        attnDropout = RegisterModule("attn_dropout", new Dropout<T>(dropout, rng));
        residDropout = RegisterModule("resid_dropout", new Dropout<T>(dropout, rng));
        this.rng = rng;
        attn.Weight.Value.CopyFrom(Initializers.Gpt2<T>(rng, 3 * nEmbd, nEmbd));
        proj.Weight.Value.CopyFrom(Initializers.Gpt2Residual<T>(rng, nLayer, nEmbd, nEmbd));
        attn.Bias?.Value.Fill(T.Zero);
        proj.Bias?.Value.Fill(T.Zero);
    }

    /// <summary>C.</summary>
    public int NEmbd { get; }

    /// <summary>H.</summary>
    public int NHead { get; }

    /// <summary>The q, k, v projection, weight (3C, C).</summary>
    public Linear<T> CAttn => attn;

    /// <summary>The output projection, weight (C, C).</summary>
    public Linear<T> CProj => proj;

    /// <inheritdoc/>
    public override Var<T> Forward(Var<T> x) => Forward(x, cache: null);

    /// <summary>
    /// The attention of x (B, T, C); with a <paramref name="cache"/> (inference, B = 1), x holds the tokens after the
    /// cached ones, which their queries also attend to, and their keys and values are appended to it.
    /// </summary>
    public Var<T> Forward(Var<T> x, AttentionCache<T>? cache)
    {
        if (x.Shape.Length != 3 || x.Shape[2] != NEmbd)
        {
            throw new ArgumentException($"causal_self_attention: input must be (B, T, {NEmbd}), got {Shapes.Format(x.Shape)}");
        }
        int B = x.Shape[0], time = x.Shape[1], C = NEmbd, H = NHead, hs = C / H; // time is T (T already names the number type)
        var qkv = attn.Forward(x); // (B, T, 3C)
        Var<T> y;
        if (cache is null)
        {
            double p = attnDropout.Training ? attnDropout.P : 0; // attn_dropout, inside the fused op
            y = Var<T>.CausalSelfAttentionQkv(qkv, H, p, rng); // (B, T, C): split into heads, attended, joined back
        }
        else
        {
            var q = qkv.Slice(2, 0, C).Reshape(B, time, H, hs).Transpose(1, 2); // (B, H, T, hs)
            var k = qkv.Slice(2, C, 2 * C).Reshape(B, time, H, hs).Transpose(1, 2); // (B, H, T, hs)
            var v = qkv.Slice(2, 2 * C, 3 * C).Reshape(B, time, H, hs).Transpose(1, 2); // (B, H, T, hs)
            y = cache.Attend(q, k, v).Transpose(1, 2).Reshape(B, time, C); // (B, T, C); a cache is for inference, without dropout
        }
        return residDropout.Forward(proj.Forward(y));
    }
}
