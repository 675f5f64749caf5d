using System.Diagnostics;
using Scratch.Autograd;
using Scratch.Gpt.Data;
using Scratch.Gpt.Model;
using Scratch.Gpt.Tokenizers;
using Scratch.Gpt.Training;
using Scratch.Nn.Optimizers;
using Scratch.Tensors;

namespace Scratch.Benchmarks;

/// <summary>
/// One GPT training step, timed: the Scratch side of <c>gpt_step_side_by_side.sh</c>, the same step as
/// <c>gpt_step_pytorch.py</c>. nanoGPT's CPU config: the baby preset (4 layers, 4 heads, C = 128, T = 64,
/// V = 65, no dropout, no bias), B = 12, AdamW (η = 1e-3, β = (0.9, 0.99), λ = 0.1 on 2-D parameters only),
/// gradient clipping at 1.0. A step is forward, backward, clip, AdamW step, zero grads, and the
/// collection of the step's garbage that <c>scratch train</c> runs after each step (<c>StepGarbage</c>); the batch is drawn
/// outside the timed region, as in the PyTorch script. Another preset and batch size can be named, e.g. nanoGPT's
/// Shakespeare model as it would be trained on a CPU (6 layers, 6 heads, C = 384, T = 256, dropout 0.2, B = 12).
/// <code>
/// dotnet run -c Release --project benchmarks -- gpt-step [steps = 30] [warm-up steps = 20] [preset = baby] [batch = 12]
/// </code>
/// </summary>
public static class GptStep
{
    /// <summary>Runs the benchmark; prints the median and a "MEDIAN_MS" line for the side-by-side script.</summary>
    public static int Run(string[] args)
    {
        int steps = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 30;
        int warmup = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20; // enough calls for the JIT to tier every kernel up
        string preset = args.Length > 2 ? args[2] : "baby";
        int B = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 12;
        string path = Path.Combine(AppContext.BaseDirectory, "../../../../../shared/data/tinyshakespeare.txt");
        if (!File.Exists(path))
        {
            path = "/work/shared/data/tinyshakespeare.txt";
        }
        string text = TokenData.ReadCorpus(path);
        var data = TokenData.FromText(text, CharTokenizer.FromText(text));

        var config = GptConfig.Preset(preset);
        int T = config.BlockSize;
        var rng = new Rng(1337);
        var model = new GptModel<float>(config, rng);
        var parameters = model.Parameters();
        var optimizer = new AdamW<float>(ParamGroups.ForWeightDecay(model.NamedParameters(), 0.1), lr: 1e-3, beta1: 0.9, beta2: 0.99);
        var x = new int[B * T];
        var y = new int[B * T];

        long forwardBytes = 0, backwardBytes = 0; // allocated by the forward and the backward passes of the timed steps
        bool timing = false;
        double Update() // forward, backward, clip, AdamW, zero_grad; returns the loss
        {
            long start = timing ? GC.GetTotalAllocatedBytes(precise: true) : 0;
            var (_, loss) = model.Forward(x, y, B, T);
            long forwardDone = timing ? GC.GetTotalAllocatedBytes(precise: true) : 0;
            loss.Backward();
            if (timing)
            {
                forwardBytes += forwardDone - start;
                backwardBytes += GC.GetTotalAllocatedBytes(precise: true) - forwardDone;
            }
            GradClipping.ClipGradNorm(parameters, 1.0);
            optimizer.Step();
            optimizer.ZeroGrad();
            return loss.Value.Item();
        }
        double Step()
        {
            double loss = Update();
            StepGarbage.Collect(); // as scratch train does at the end of each step (TrainingRun.Step)
            return loss;
        }

        data.GetBatch(DataSplit.Train, B, T, rng, x, y);
        double first = Step();
        if (Math.Abs(first - Math.Log(65)) > 0.25) // random weights (and dropout) put the first loss near ln V
        {
            Console.Error.WriteLine($"scratch: first-step loss {first:F4} is not ≈ ln 65 = {Math.Log(65):F4}");
            return 1;
        }
        for (int i = 0; i < warmup; i++)
        {
            data.GetBatch(DataSplit.Train, B, T, rng, x, y);
            Step();
        }
        timing = true;
        var times = new List<double>();
        double last = 0;
        int gen0 = GC.CollectionCount(0), gen2 = GC.CollectionCount(2);
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        var pause = GC.GetTotalPauseDuration();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        for (int i = 0; i < steps; i++)
        {
            data.GetBatch(DataSplit.Train, B, T, rng, x, y);
            long start = Stopwatch.GetTimestamp();
            last = Step();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        double allocatedMb = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1e6 / steps;
        gen0 = GC.CollectionCount(0) - gen0;
        gen2 = GC.CollectionCount(2) - gen2;
        double pauseMs = (GC.GetTotalPauseDuration() - pause).TotalMilliseconds / steps;
        double cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / steps; // all threads, batch sampling included
        times.Sort();
        double median = times[times.Count / 2];
        Console.WriteLine($"scratch {preset} B={B} threads {Environment.ProcessorCount}: first loss {first:F4} (ln 65 = {Math.Log(65):F4}), last loss {last:F4}, "
            + $"{steps} steps, median {median:F1} ms, min {times[0]:F1} ms, GCs gen0 {gen0} gen2 {gen2}, GC pause {pauseMs:F1} ms/step, allocated {allocatedMb:F1} MB/step (forward {forwardBytes / 1e6 / steps:F1}, backward {backwardBytes / 1e6 / steps:F1}), CPU {cpuMs:F1} ms/step");
        Console.WriteLine(System.FormattableString.Invariant($"MEDIAN_MS {median:F3}"));
        return 0;
    }
}
