using Scratch.Autograd;
using Scratch.Tensors;

namespace Scratch.Nn.Tests;

public sealed class ModuleTests
{
    private sealed class Inner : Module<double>
    {
        public Inner()
        {
            RegisterParameter("weight", Tensor<double>.Ones(2, 3));
            RegisterParameter("bias", Tensor<double>.Zeros(2));
        }
    }

    private sealed class Outer : Module<double>
    {
        public Outer()
        {
            RegisterParameter("scale", Tensor<double>.Ones(1));
            RegisterModule("first", new Inner());
            RegisterModule("second", new Inner());
        }
    }

    [Fact]
    public void StateDictUsesDottedNamesInRegistrationOrder()
    {
        var model = new Outer();
        Assert.Equal(["scale", "first.weight", "first.bias", "second.weight", "second.bias"], model.StateDict().Names);
        Assert.Equal(1 + 6 + 2 + 6 + 2, model.ParameterCount());
    }

    [Fact]
    public void LoadingAStateDictListsEveryProblemInOneError()
    {
        var model = new Outer();
        var state = new StateDict<double>();
        state.Add("scale", Tensor<double>.Ones(1));
        state.Add("first.weight", Tensor<double>.Ones(3, 2));
        state.Add("first.bias", Tensor<double>.Zeros(2));
        state.Add("second.weight", Tensor<double>.Ones(2, 3));
        state.Add("extra", Tensor<double>.Zeros(1));
        var error = Assert.Throws<ArgumentException>(() => model.LoadStateDict(state));
        Assert.Contains("missing: second.bias", error.Message);
        Assert.Contains("unexpected: extra", error.Message);
        Assert.Contains("first.weight: expected [2,3], got [3,2]", error.Message);
        Assert.Equal(1.0, model.StateDict()["first.weight"][0, 0]); // nothing was changed
    }

    [Fact]
    public void StateDictRoundTripCopiesValues()
    {
        var source = new Outer();
        source.StateDict()["first.bias"].Fill(5.0);
        var target = new Outer();
        target.LoadStateDict(source.StateDict());
        Assert.Equal([5.0, 5.0], target.StateDict()["first.bias"].ToArray());
        Assert.False(ReferenceEquals(source.StateDict()["first.bias"], target.StateDict()["first.bias"]));
    }
}
