namespace Scratch.Gpt.Training;

/// <summary>
/// Frees a training step's tensors at the end of the step, when none of them is alive any more.
/// <para>
/// A step makes its activations and gradients afresh (78.6 MB for the baby model at B = 12) and drops them all when
/// it ends. Left to itself, .NET's collector runs when its budget for new memory (about 134 MB here) is used up,
/// which is in the middle of a step, while that step's tensors are alive: it copies them, 7 to 72 MB, into an older
/// generation where they die a moment later, and each such collection takes 4 to 17 ms with the other core idle.
/// Collected at the end of every step instead, the youngest generation holds almost nothing alive (0.1 MB): the
/// collection takes about 0.4 ms, and the next step reuses the memory it frees. PyTorch reaches the same end by
/// another road: its caching allocator hands a freed tensor's memory to the next tensor of a fitting size.
/// </para>
/// <para>
/// Call it where the step's graph can no longer be reached: after the method that ran forward and backward has
/// returned, so that none of its locals still holds the loss. A model much larger than the budget (the
/// shakespeare-char preset allocates about 2 GB a step) still meets collections inside its steps. Each takes only a
/// few ms, but a full one carries the step's live activations (1.1–1.6 GB) into the oldest generation, and the heap
/// grows to 5–7 GB in the first three steps, which fault in those fresh pages and take two to three times as long as
/// the steps after them; from then on the steps reuse that memory (about 0.1 s of a 2 s step in the system's part).
/// Collecting the oldest generation here instead lowered the peak but made the steps slower, since the memory it
/// frees goes back to the system and is faulted in again (benchmarks/README.md).
/// </para>
/// </summary>
public static class StepGarbage
{
    /// <summary>Collects the youngest generation now, blocking, as the runtime would, only at a better moment.</summary>
    public static void Collect() => GC.Collect(0, GCCollectionMode.Forced, blocking: true);
}
