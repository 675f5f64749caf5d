using Scratch.Autograd;
using Scratch.Autograd.Composites;
using Scratch.Nn.Modules;
using Scratch.Tensors;

namespace Scratch.Nn.Tests;

/// <summary>
/// nanoGPT's two dropouts in attention: attn_dropout on the attention weights, then resid_dropout after c_proj. The
/// module against nanoGPT's forward written out with primitive ops, in training and in evaluation, and p = 0.
/// </summary>
public sealed class AttentionDropoutTests
{
    private const int B = 2, T = 5, C = 8, H = 2;

    /// <summary>A module with random (not GPT-2-tiny) weights, so outputs are of size ~1; its generator set to <paramref name="seed"/>.</summary>
    private static (CausalSelfAttention<double> Module, Rng Rng) Attention(double p, ulong seed)
    {
        var rng = new Rng(1);
        var module = new CausalSelfAttention<double>(C, H, 1, p, bias: true, rng);
        foreach (var parameter in module.Parameters())
        {
            parameter.Value.CopyFrom(Tensor<double>.Randn(new Rng(2 + (ulong)parameter.Value.Count), parameter.Value.ShapeArray()) * 0.5);
        }
        rng.SetState(new Rng(seed).GetState());
        return (module, rng);
    }

    /// <summary>nanoGPT's CausalSelfAttention.forward, line for line, with its dropouts drawn from <paramref name="rng"/>.</summary>
    private static Var<double> NanoGptForward(CausalSelfAttention<double> m, Var<double> x, double p, Rng rng)
    {
        var qkv = Var<double>.Linear(x, m.CAttn.Weight) + m.CAttn.Bias!; // self.c_attn(x)
        Var<double> Heads(int i) => qkv.Slice(2, i * C, (i + 1) * C).Reshape(B, T, H, C / H).Transpose(1, 2); // (B, nh, T, hs)
        var y = Composite.CausalSelfAttention(Heads(0), Heads(1), Heads(2), p, rng); // softmax, attn_dropout, @ v
        y = y.Transpose(1, 2).Reshape(B, T, C); // re-assemble all head outputs side by side
        y = Var<double>.Linear(y, m.CProj.Weight) + m.CProj.Bias!; // self.c_proj(y)
        return p > 0 ? y.Dropout(p, rng) : y; // self.resid_dropout
    }

    [Fact]
    public void InTrainingBothDropoutsAreNanoGptsInItsOrder()
    {
        const double p = 0.3;
        var x = Tensor<double>.Randn(new Rng(3), B, T, C);
        var (module, _) = Attention(p, seed: 7);
        var xv = new Var<double>(x, requiresGrad: true);
        var y = module.Forward(xv);
        var (twin, _) = Attention(p, seed: 0);
        var xt = new Var<double>(x, requiresGrad: true);
        var expected = NanoGptForward(twin, xt, p, new Rng(7));
        Fixtures.AssertClose(expected.Value.ToArray(), y.Value.ToArray(), 1e-12, "output");

        var dy = Tensor<double>.Randn(new Rng(4), B, T, C);
        y.Backward(dy);
        expected.Backward(dy);
        Fixtures.AssertClose(xt.Grad!.ToArray(), xv.Grad!.ToArray(), 1e-12, "∂L/∂x");
        Fixtures.AssertClose(twin.CAttn.Weight.Grad!.ToArray(), module.CAttn.Weight.Grad!.ToArray(), 1e-12, "∂L/∂c_attn.weight");
    }

    [Fact]
    public void InEvaluationNeitherDropoutActsNorDraws()
    {
        var x = new Var<double>(Tensor<double>.Randn(new Rng(3), B, T, C));
        var (module, rng) = Attention(0.5, seed: 7);
        var (withoutDropout, _) = Attention(0.0, seed: 7);
        module.Eval();
        var state = rng.GetState();
        Assert.Equal(withoutDropout.Forward(x).Value.ToArray(), module.Forward(x).Value.ToArray());
        Assert.Equal(state, rng.GetState());

        module.Train();
        var first = module.Forward(x).Value.ToArray();
        Assert.NotEqual(withoutDropout.Forward(x).Value.ToArray(), first);
        Assert.NotEqual(first, module.Forward(x).Value.ToArray()); // a new mask each call
    }

    /// <summary>p = 0 in training: nanoGPT's forward without dropout, bit for bit, and nothing drawn.</summary>
    [Fact]
    public void DropoutZeroIsTheForwardWithoutDropout()
    {
        var x = new Var<double>(Tensor<double>.Randn(new Rng(3), B, T, C));
        var (module, rng) = Attention(0.0, seed: 7);
        var state = rng.GetState();
        var y = module.Forward(x).Value.ToArray();
        Assert.Equal(state, rng.GetState());
        var (twin, _) = Attention(0.0, seed: 7);
        Fixtures.AssertClose(NanoGptForward(twin, x, 0, new Rng(7)).Value.ToArray(), y, 1e-12, "output");
        twin.Eval();
        Assert.Equal(twin.Forward(x).Value.ToArray(), y);
    }
}
