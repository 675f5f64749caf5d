using System.Numerics;
using Scratch.Autograd;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>
/// A piece of a network that owns parameters and child modules, each registered explicitly by name
/// (never discovered by reflection, whose order .NET does not guarantee). Names join with dots, as in
/// PyTorch, so <c>transformer.h.0.attn.c_attn.weight</c> is the weight registered as "weight" by the
/// module registered as "c_attn" inside "attn" inside "0" inside "h" inside "transformer".
/// </summary>
public abstract class Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<(string Name, Var<T> Parameter)> parameters = [];
    private readonly List<(string Name, Module<T> Child)> children = [];

    /// <summary>True in training mode (dropout active), false in evaluation mode.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Registers a parameter: a leaf that requires a gradient, named for display and state dicts.</summary>
    protected Var<T> RegisterParameter(string name, Tensor<T> value)
    {
        CheckName(name);
        var parameter = new Var<T>(value, requiresGrad: true, name: name);
        parameters.Add((name, parameter));
        return parameter;
    }

    /// <summary>Registers an existing parameter under a name (for weight tying, a parameter may be registered twice).</summary>
    protected Var<T> RegisterParameter(string name, Var<T> parameter)
    {
        CheckName(name);
        parameters.Add((name, parameter));
        return parameter;
    }

    /// <summary>Registers a child module.</summary>
    protected TModule RegisterModule<TModule>(string name, TModule module) where TModule : Module<T>
    {
        CheckName(name);
        children.Add((name, module));
        return module;
    }

    private void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
        {
            throw new ArgumentException($"module: '{name}' is not a valid name (non-empty, no dots)");
        }
        if (parameters.Any(p => p.Name == name) || children.Any(c => c.Name == name))
        {
            throw new ArgumentException($"module: the name '{name}' is already registered in {GetType().Name}");
        }
    }

    /// <summary>
    /// Every parameter with its dotted name, depth-first in registration order: own parameters first, then
    /// each child's. A parameter reachable under two names (tied weights) is listed once, under the first.
    /// </summary>
    public IReadOnlyList<(string Name, Var<T> Parameter)> NamedParameters()
    {
        var result = new List<(string, Var<T>)>();
        var seen = new HashSet<Var<T>>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(string Prefix, Module<T> Module)>();
        stack.Push(("", this));
        while (stack.Count > 0)
        {
            var (prefix, module) = stack.Pop();
            foreach (var (name, parameter) in module.parameters)
            {
                if (seen.Add(parameter))
                {
                    result.Add((prefix + name, parameter));
                }
            }
            for (int i = module.children.Count - 1; i >= 0; i--) // pushed in reverse, so popped in order
            {
                stack.Push((prefix + module.children[i].Name + ".", module.children[i].Child));
            }
        }
        return result;
    }

    /// <summary>The parameters, in the order of <see cref="NamedParameters"/>.</summary>
    public IReadOnlyList<Var<T>> Parameters() => NamedParameters().Select(p => p.Parameter).ToList();

    /// <summary>The child modules with their names, in registration order.</summary>
    public IReadOnlyList<(string Name, Module<T> Child)> Children => children;

    /// <summary>The number of numbers the parameters hold (tied parameters counted once).</summary>
    public long ParameterCount() => NamedParameters().Sum(p => (long)p.Parameter.Value.Count);

    /// <summary>Training mode for this module and every child (dropout on).</summary>
    public void Train(bool training = true)
    {
        Training = training;
        foreach (var (_, child) in children)
        {
            child.Train(training);
        }
    }

    /// <summary>Evaluation mode for this module and every child (dropout off).</summary>
    public void Eval() => Train(false);

    /// <summary>Forgets every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters())
        {
            p.ZeroGrad();
        }
    }

    /// <summary>The parameters' current values under their dotted names (the tensors themselves, not copies).</summary>
    public StateDict<T> StateDict()
    {
        var state = new StateDict<T>();
        foreach (var (name, parameter) in NamedParameters())
        {
            state.Add(name, parameter.Value);
        }
        return state;
    }

    /// <summary>
    /// Copies values into the parameters by name. Names and shapes are checked first; one error lists every
    /// missing, unexpected and mis-shaped entry, and nothing is changed unless all fit.
    /// </summary>
    public void LoadStateDict(StateDict<T> state)
    {
        var own = NamedParameters();
        var missing = own.Where(p => !state.Contains(p.Name)).Select(p => p.Name).ToList();
        var unexpected = state.Names.Where(n => own.All(p => p.Name != n)).ToList();
        var misShaped = own.Where(p => state.Contains(p.Name) && !Shapes.Equal(state[p.Name].Shape, p.Parameter.Value.Shape))
            .Select(p => $"{p.Name}: expected {Shapes.Format(p.Parameter.Value.Shape)}, got {Shapes.Format(state[p.Name].Shape)}").ToList();
        StateDictMismatch.ThrowIfAny($"the state dict does not fit {GetType().Name}", missing, unexpected, misShaped);
        foreach (var (name, parameter) in own)
        {
            parameter.Value.CopyFrom(state[name]);
        }
    }
}
