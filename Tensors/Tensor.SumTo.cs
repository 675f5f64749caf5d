namespace Scratch.Tensors;

// Undoing a broadcast: the backward pass of every broadcasting op needs it.
public sealed partial class Tensor<T>
{
    /// <summary>
    /// Sums this tensor down to <paramref name="target"/>, a shape it was broadcast from (<c>sum_to_size</c>):
    /// extra leading dimensions are summed away, and dimensions where the target has size 1 are summed
    /// with keepdim. If z = x + y broadcast x from [C] to [B,T,C], then ∂L/∂x = (∂L/∂z).SumTo([C]).
    /// </summary>
    public Tensor<T> SumTo(params ReadOnlySpan<int> target)
    {
        int lead = Rank - target.Length;
        bool fits = lead >= 0;
        var stretched = new List<int>();
        for (int d = 0; fits && d < Rank; d++)
        {
            if (d < lead)
            {
                stretched.Add(d);
            }
            else if (target[d - lead] == 1 && shape[d] != 1)
            {
                stretched.Add(d);
            }
            else
            {
                fits = target[d - lead] == shape[d];
            }
        }
        if (!fits)
        {
            throw new ArgumentException($"sum_to: shape {Shapes.Format(shape)} cannot be summed to {Shapes.Format(target)}: it is not a broadcast of it");
        }
        if (stretched.Count == 0)
        {
            return this;
        }
        return Sum([.. stretched], keepDim: true).Reshape(target);
    }
}
