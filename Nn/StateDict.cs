using System.Numerics;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>
/// Named tensors in a fixed order: a model's parameters under their dotted names
/// (<c>transformer.h.0.attn.c_attn.weight</c>), as saved to and loaded from a checkpoint.
/// </summary>
public sealed class StateDict<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<string> names = [];
    private readonly Dictionary<string, Tensor<T>> tensors = [];

    /// <summary>The names, in the order they were added (registration order for a module).</summary>
    public IReadOnlyList<string> Names => names;

    /// <summary>How many tensors.</summary>
    public int Count => names.Count;

    /// <summary>The tensor stored under <paramref name="name"/>.</summary>
    public Tensor<T> this[string name] => tensors.TryGetValue(name, out var t) ? t
        : throw new KeyNotFoundException($"state dict: no entry named '{name}'");

    /// <summary>True when an entry of that name exists.</summary>
    public bool Contains(string name) => tensors.ContainsKey(name);

    /// <summary>Adds an entry; names must be unique.</summary>
    public void Add(string name, Tensor<T> tensor)
    {
        if (!tensors.TryAdd(name, tensor))
        {
            throw new ArgumentException($"state dict: the name '{name}' is already present");
        }
        names.Add(name);
    }

    /// <summary>The entries in order.</summary>
    public IEnumerable<(string Name, Tensor<T> Tensor)> Entries => names.Select(n => (n, tensors[n]));
}
