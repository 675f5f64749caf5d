using Scratch.Tensors.Kernels;

namespace Scratch.Tensors.Tests;

/// <summary>
/// Runs matrix products as on a machine of <c>cores</c> cores with micro-kernel <c>width</c> (512, 256 or 0), whatever
/// this machine has: sets the kernels' test-only switches (<see cref="MatMulFast.ForcedCores"/>,
/// <see cref="MatMulThin.ForcedCores"/>, <see cref="MatMulMicroKernel.ForcedWidth"/>) for the call and clears them after,
/// even when it throws. They are AsyncLocal, so tests running at the same time are not affected.
/// </summary>
internal static class MatMulForcing
{
    public static void Run(int cores, int width, Action products)
    {
        MatMulFast.ForcedCores.Value = cores;
        MatMulThin.ForcedCores.Value = cores;
        MatMulMicroKernel.ForcedWidth.Value = width;
        try
        {
            products();
        }
        finally
        {
            MatMulFast.ForcedCores.Value = null;
            MatMulThin.ForcedCores.Value = null;
            MatMulMicroKernel.ForcedWidth.Value = null;
        }
    }

    public static TResult Run<TResult>(int cores, int width, Func<TResult> product)
    {
        TResult result = default!;
        Run(cores, width, () => { result = product(); });
        return result;
    }
}
