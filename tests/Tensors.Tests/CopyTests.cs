using Scratch.Tensors.Kernels;

namespace Scratch.Tensors.Tests;

/// <summary>Copy.Into reads and writes each side through its own strides, whichever side is contiguous.</summary>
public sealed class CopyTests
{
    [Fact]
    public void IntoWritesThroughTheDestinationsStrides()
    {
        var source = Tensor<double>.Arange(12).Reshape(3, 4);                 // rows contiguous
        var transposedSource = Tensor<double>.Arange(12).Reshape(4, 3).Transpose(); // (3, 4), strided rows
        foreach (var src in new[] { source, transposedSource })
        {
            var storage = Tensor<double>.Zeros(4, 3);
            var destination = storage.Transpose(); // (3, 4), rows with stride 3
            Copy.Into(src, destination);
            for (int i = 0; i < 3; i++)
            {
                for (int j = 0; j < 4; j++)
                {
                    Assert.Equal(src[i, j], destination[i, j]);
                    Assert.Equal(src[i, j], storage[j, i]);
                }
            }
        }
    }
}
