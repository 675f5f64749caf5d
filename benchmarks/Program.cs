using System.Diagnostics;
using Scratch.Tensors;

// A quick matmul check and timing, the main job until the GPT exists. (The BenchmarkDotNet suite follows.)
var rng = new Rng(0);
Console.WriteLine("size   fast GFLOP/s");
foreach (int n in new[] { 64, 128, 256, 512, 1024 })
{
    var a = Tensor<float>.Randn(rng, n, n);
    var b = Tensor<float>.Randn(rng, n, n);
    var c = a.MatMul(b);
    var watch = Stopwatch.StartNew();
    int reps = 0;
    do
    {
        c = a.MatMul(b);
        reps++;
    } while (watch.Elapsed.TotalSeconds < 0.5);
    double gflops = 2.0 * n * n * n * reps / watch.Elapsed.TotalSeconds / 1e9;
    Console.WriteLine($"{n,4}   {gflops,8:F1}");
}
