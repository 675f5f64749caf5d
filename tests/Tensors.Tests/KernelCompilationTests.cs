using System.Reflection;
using Scratch.Tensors.Kernels;

namespace Scratch.Tensors.Tests;

/// <summary>
/// The hot loops are compiled fully optimised at their first call (<c>AggressiveOptimization</c>), not through the
/// JIT's tiers: with tiers on and one processor, the runtime waits a second or more before it optimises a method, and
/// the unoptimised micro-kernel ran at 6 GFLOP/s instead of 140 (MatMulMicroKernel's doc comment has the numbers).
/// </summary>
public class KernelCompilationTests
{
    public static TheoryData<Type, string> HotLoops => new()
    {
        { typeof(MatMulMicroKernel), "Run512" },
        { typeof(MatMulMicroKernel), "Run256" },
        { typeof(MatMulMicroKernel), "RunScalar" },
        { typeof(MatMulPacking), "CopyRows" },
        { typeof(MatMulPacking), "CopyPanel" },
        { typeof(MatMulPacking), "CopyTransposed" },
        { typeof(Elementwise), "UnaryContiguous" },
        { typeof(Elementwise), "BinaryRow" },
    };

    [Theory]
    [MemberData(nameof(HotLoops))]
    public void HotLoopIsCompiledFullyOptimisedAtItsFirstCall(Type type, string name)
    {
        var method = type.GetMethod(name, BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic);

        Assert.NotNull(method);
        Assert.True(method.MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveOptimization),
            $"{type.Name}.{name} goes through the JIT's tiers");
    }
}
