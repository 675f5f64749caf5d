using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.NoEmit;
using Scratch.Benchmarks;

// Two modes (the suite runs in-process, which needs no separate build, and 3 warm-up + 10 timed iterations):
//   dotnet run -c Release --project benchmarks                     the quick check and GFLOP/s table (< 1 minute)
//   dotnet run -c Release --project benchmarks -- bdn --filter '*' the BenchmarkDotNet suite (in-process)
//   dotnet run -c Release --project benchmarks -- gpt-step          one GPT training step, timed (see GptStep.cs)
//   dotnet run -c Release --project benchmarks -- tokenize          GPT-2's tokenizer on tiny Shakespeare, tokens/s (see TokenizerSpeed.cs)
//   dotnet run -c Release --project benchmarks -- sample CKPT       sampling with the KV cache, tokens/s and the bandwidth limit (see SampleSpeed.cs)
//   dotnet run -c Release --project benchmarks -- peak              the machine's float32 FMA peak, GFLOP/s (see FmaPeak.cs)
//   dotnet run -c Release --project benchmarks -- kernel            the matmul micro-kernel alone, one thread, GFLOP/s (see MicroKernelSpeed.cs)
if (args.Length > 0 && args[0] == "gpt-step")
{
    return GptStep.Run(args[1..]);
}
if (args.Length > 0 && args[0] == "tokenize")
{
    return TokenizerSpeed.Run(args[1..]);
}
if (args.Length > 0 && args[0] == "sample")
{
    return SampleSpeed.Run(args[1..]);
}
if (args.Length > 0 && args[0] == "peak")
{
    return FmaPeak.Run();
}
if (args.Length > 0 && args[0] == "kernel")
{
    return MicroKernelSpeed.Run();
}
if (args.Length > 0 && args[0] == "bdn")
{
    var config = DefaultConfig.Instance
        .AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(10)
            .WithToolchain(InProcessNoEmitToolchain.Instance).WithId("InProcess"))
        .AddColumn(new GflopsColumn())
        .WithOptions(ConfigOptions.JoinSummary);
    BenchmarkSwitcher.FromAssembly(typeof(MatMulBenchmarks).Assembly).Run(args[1..], config);
    return 0;
}
return QuickMatMul.Run();
