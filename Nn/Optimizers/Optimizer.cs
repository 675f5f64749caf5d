using System.Globalization;
using System.Numerics;
using Scratch.Autograd;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Nn.Optimizers;

/// <summary>
/// Updates parameters from their gradients: <see cref="Step"/> reads each parameter's <c>Grad</c> and
/// changes its <c>Value</c> in place; parameters whose gradient is null (they took no part in the loss)
/// are skipped and their state does not advance, as in PyTorch.
/// <para>
/// Parameters are numbered 0, 1, 2, … across the groups in order, as PyTorch numbers them in
/// <c>optimizer.state_dict()</c>. Each parameter has its own state: named buffers (for Adam
/// <c>exp_avg</c> and <c>exp_avg_sq</c>) created on its first step, and a step count t.
/// </para>
/// </summary>
public abstract class Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<ParamGroup<T>> groups;
    private readonly List<(Var<T> Parameter, ParamGroup<T> Group)> parameters = [];
    private readonly List<(string Name, Tensor<T> Buffer)>?[] buffers;
    private readonly long[] steps;
    private double learningRate;

    /// <summary>Checks the groups and numbers the parameters.</summary>
    protected Optimizer(string name, IReadOnlyList<ParamGroup<T>> groups, double learningRate)
    {
        Name = name;
        this.groups = [.. groups];
        LearningRate = learningRate;
        var seen = new HashSet<Var<T>>(ReferenceEqualityComparer.Instance);
        foreach (var group in this.groups)
        {
            Require(group.WeightDecay >= 0, "weight decay", group.WeightDecay, "must be ≥ 0");
            Require(group.LearningRateScale >= 0, "learning-rate scale", group.LearningRateScale, "must be ≥ 0");
            foreach (var p in group.Parameters)
            {
                if (!seen.Add(p))
                {
                    throw new ArgumentException($"{Name}: the parameter {p} appears more than once in the parameter groups");
                }
                parameters.Add((p, group));
            }
        }
        buffers = new List<(string, Tensor<T>)>[parameters.Count];
        steps = new long[parameters.Count];
    }

    /// <summary>The optimiser's name, as in error messages ("Adam").</summary>
    public string Name { get; }

    /// <summary>The base learning rate η (≥ 0); a schedule sets it before each step.</summary>
    public double LearningRate
    {
        get => learningRate;
        set
        {
            Require(value >= 0, "learning rate", value, "must be ≥ 0");
            learningRate = value;
        }
    }

    /// <summary>The parameter groups.</summary>
    public IReadOnlyList<ParamGroup<T>> ParamGroups => groups;

    /// <summary>All parameters, numbered in group order.</summary>
    public IReadOnlyList<Var<T>> Parameters => parameters.Select(p => p.Parameter).ToList();

    /// <summary>
    /// One update of every parameter that has a gradient. Each parameter's update reads and writes only its own
    /// values, gradient and buffers, so the parameters are shared out over the cores; every number is the same as
    /// one after another.
    /// </summary>
    public void Step()
    {
        var due = new List<int>(parameters.Count);
        long elements = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            if (parameters[i].Parameter.Grad is not null)
            {
                due.Add(i);
                steps[i]++;
                elements += parameters[i].Parameter.Value.Count;
            }
        }
        // Stryker disable once Arithmetic : the work per parameter only decides whether the updates run on one core or several; each is the same (OptimizerParallelStepTests)
        Chunked.For(due.Count, elements / Math.Max(1, due.Count), (first, count) =>
        {
            for (int j = first; j < first + count; j++)
            {
                int i = due[j];
                var (p, group) = parameters[i];
                Update(i, p.Value.AsSpan(), p.Grad!.AsSpan(), steps[i], LearningRate * group.LearningRateScale, group.WeightDecay);
            }
        });
    }

    /// <summary>Forgets every parameter's gradient (PyTorch's <c>zero_grad(set_to_none=True)</c>).</summary>
    public void ZeroGrad()
    {
        foreach (var (p, _) in parameters)
        {
            p.ZeroGrad();
        }
    }

    /// <summary>
    /// The update rule for one parameter, given its values θ (updated in place), its gradient g, its step
    /// count t (1 on its first update), the group's learning rate η and weight decay λ. <see cref="Step"/> runs it for
    /// several parameters at once, on different threads: it must touch only parameter <paramref name="index"/>'s state.
    /// </summary>
    protected abstract void Update(int index, Span<T> theta, ReadOnlySpan<T> g, long t, double lr, double weightDecay);

    /// <summary>The names of the per-parameter buffers this optimiser keeps (PyTorch's names, e.g. "exp_avg").</summary>
    protected abstract IReadOnlyList<string> BufferNames { get; }

    /// <summary>True once parameter <paramref name="index"/> has a buffer of that name.</summary>
    protected bool HasBuffer(int index, string name) => buffers[index]?.Exists(b => b.Name == name) ?? false;

    /// <summary>Parameter <paramref name="index"/>'s buffer of that name, created filled with <paramref name="initial"/> the first time.</summary>
    protected Span<T> Buffer(int index, string name, double initial = 0)
    {
        var list = buffers[index] ??= [];
        foreach (var (n, b) in list)
        {
            if (n == name)
            {
                return b.AsSpan();
            }
        }
        var buffer = Tensor<T>.Full(parameters[index].Parameter.Value.Shape, T.CreateChecked(initial));
        list.Add((name, buffer));
        return buffer.AsSpan();
    }

    /// <summary>
    /// The state, to resume training exactly: for every parameter i that has been updated, its step count
    /// as the one-element tensor <c>state.i.step</c> and its buffers as <c>state.i.exp_avg</c> and so on
    /// (copies). Hyperparameters are not included: they come from the code that makes the optimiser, and the
    /// learning rate from the schedule. With <c>T = float</c> step counts are exact up to 2²⁴.
    /// </summary>
    public StateDict<T> SaveState()
    {
        var state = new StateDict<T>();
        for (int i = 0; i < parameters.Count; i++)
        {
            if (steps[i] == 0)
            {
                continue;
            }
            state.Add($"state.{i}.step", Tensor<T>.Scalar(T.CreateChecked(steps[i])));
            foreach (var (name, buffer) in buffers[i] ?? [])
            {
                state.Add($"state.{i}.{name}", buffer.Clone());
            }
        }
        return state;
    }

    /// <summary>
    /// Restores a state saved by <see cref="SaveState"/> from an optimiser of the same kind over parameters of
    /// the same shapes. Every entry is checked first; nothing changes unless all fit.
    /// </summary>
    public void LoadState(StateDict<T> state)
    {
        var newSteps = new long[parameters.Count];
        var newBuffers = new List<(string, Tensor<T>)>?[parameters.Count];
        foreach (var (key, tensor) in state.Entries)
        {
            var parts = key.Split('.', 3);
            if (parts.Length != 3 || parts[0] != "state" || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int i) || i >= parameters.Count)
            {
                throw new ArgumentException($"{Name}.LoadState: unexpected entry '{key}' (this optimiser has {parameters.Count} parameters)");
            }
            if (parts[2] == "step")
            {
                double t = double.CreateChecked(tensor.Count == 1 ? tensor.Item() : T.NaN);
                if (!(t >= 1) || t != Math.Floor(t))
                {
                    throw new ArgumentException($"{Name}.LoadState: '{key}' must hold one whole number ≥ 1");
                }
                newSteps[i] = (long)t;
                continue;
            }
            if (!BufferNames.Contains(parts[2]))
            {
                throw new ArgumentException($"{Name}.LoadState: unexpected entry '{key}' ({Name} keeps {string.Join(", ", BufferNames)}; is this another optimiser's state?)");
            }
            var shape = parameters[i].Parameter.Value.Shape;
            if (!Shapes.Equal(tensor.Shape, shape))
            {
                throw new ArgumentException($"{Name}.LoadState: '{key}' has shape {Shapes.Format(tensor.Shape)}, but parameter {i} has shape {Shapes.Format(shape)}");
            }
            (newBuffers[i] ??= []).Add((parts[2], tensor.Clone()));
        }
        for (int i = 0; i < parameters.Count; i++)
        {
            if (newSteps[i] == 0 && newBuffers[i] is not null)
            {
                throw new ArgumentException($"{Name}.LoadState: parameter {i} has buffers but no 'state.{i}.step'");
            }
        }
        Array.Copy(newSteps, steps, steps.Length);
        for (int i = 0; i < parameters.Count; i++)
        {
            buffers[i] = newBuffers[i];
        }
    }

    /// <summary>Throws "Adam: beta1 = 1.5 must be in [0, 1)" style errors for bad hyperparameters.</summary>
    protected void Require(bool ok, string what, double value, string rule)
    {
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(what, value, $"{Name}: {what} = {value.ToString(CultureInfo.InvariantCulture)} {rule}");
        }
    }
}
