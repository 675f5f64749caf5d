using System.Numerics;
using Scratch.Autograd;
using Scratch.Nn.Init;
using Scratch.Tensors;

namespace Scratch.Nn.Modules;

/// <summary>
/// The transformer's feed-forward block (nanoGPT's MLP): x (B, T, C) → c_fc → (B, T, 4C) → GELU →
/// c_proj → (B, T, C) → dropout. Weights start N(0, 0.02²); c_proj, a residual projection,
/// N(0, (0.02/√(2·n_layer))²); biases 0.
/// </summary>
public sealed class Mlp<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Linear<T> fc;
    private readonly Linear<T> proj;
    private readonly Dropout<T> dropout;

    /// <summary>An MLP for width <paramref name="nEmbd"/> in a model of <paramref name="nLayer"/> blocks.</summary>
    public Mlp(int nEmbd, int nLayer, double dropout, bool bias, Rng rng)
    {
        fc = RegisterModule("c_fc", new Linear<T>(nEmbd, 4 * nEmbd, rng, bias));
        proj = RegisterModule("c_proj", new Linear<T>(4 * nEmbd, nEmbd, rng, bias));
        this.dropout = new Dropout<T>(dropout, rng);
        RegisterModule("dropout", this.dropout);
        fc.Weight.Value.CopyFrom(Initializers.Gpt2<T>(rng, 4 * nEmbd, nEmbd));
        proj.Weight.Value.CopyFrom(Initializers.Gpt2Residual<T>(rng, nLayer, nEmbd, 4 * nEmbd));
        fc.Bias?.Value.Fill(T.Zero);
        proj.Bias?.Value.Fill(T.Zero);
    }

    /// <summary>The up-projection C → 4C.</summary>
    public Linear<T> CFc => fc;

    /// <summary>The down-projection 4C → C.</summary>
    public Linear<T> CProj => proj;

    /// <inheritdoc/>
    public override Var<T> Forward(Var<T> x)
    {
        var h = fc.Forward(x).Gelu(); // (B, T, 4C)
        return dropout.Forward(proj.Forward(h)); // (B, T, C)
    }
}
