using Scratch.Gpt.Training;

namespace Scratch.Gpt.Tests;

/// <summary>
/// The trainer frees each step's tensors at the step's end (<see cref="StepGarbage"/>). Counted with the runtime's
/// collection counter, so this runs alone: no other test's allocations may start collections meanwhile.
/// </summary>
[Collection(CollectionCounts.Name)]
public sealed class StepGarbageTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    /// <summary>
    /// A tiny model's step allocates a few hundred KB, far below the runtime's budget for new memory, so the runtime
    /// alone would collect in almost no step; the trainer collects in every one.
    /// </summary>
    [Fact]
    public void EveryTrainingStepEndsWithACollection()
    {
        var options = new TrainOptions
        {
            Data = cli.Corpus,
            OutDir = Path.Combine(cli.Dir, "out"),
            NLayer = 1,
            NHead = 2,
            NEmbd = 16,
            BlockSize = 8,
            BatchSize = 4,
            MaxIters = 20,
        };
        var run = TrainingRun.Start(options, new Cli.PlainProgress(new StringWriter(), 1));
        run.Step(1e-3, watched: false); // compiled and warm
        for (int step = 0; step < 10; step++)
        {
            int before = GC.CollectionCount(0);
            run.Step(1e-3, watched: false);
            Assert.True(GC.CollectionCount(0) > before, $"step {step}: no collection");
        }
    }
}

/// <summary>
/// Tests that count the runtime's collections, or the bytes allocated on every thread, run alone, so no other test
/// starts a collection or allocates meanwhile.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CollectionCounts
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Collection counts";
}
