namespace Scratch.Nn;

/// <summary>
/// The one error of load_state_dict when names or shapes do not fit: every missing, unexpected and mis-shaped
/// entry in one line, so a user sees all of them at once (used by <see cref="Module{T}.LoadStateDict"/> and
/// <see cref="Checkpoints.SafetensorsFile.LoadInto{T}"/>).
/// </summary>
internal static class StateDictMismatch
{
    /// <summary>Throws if any list is non-empty: "load_state_dict: <paramref name="misfit"/> (missing: … | unexpected: … | mis-shaped: …)".</summary>
    /// <exception cref="ArgumentException">Something does not fit.</exception>
    public static void ThrowIfAny(string misfit, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> misShaped)
    {
        var problems = new List<string>();
        if (missing.Count > 0)
        {
            problems.Add("missing: " + string.Join(", ", missing));
        }
        if (unexpected.Count > 0)
        {
            problems.Add("unexpected: " + string.Join(", ", unexpected));
        }
        if (misShaped.Count > 0)
        {
            problems.Add("mis-shaped: " + string.Join("; ", misShaped));
        }
        if (problems.Count > 0)
        {
            throw new ArgumentException($"load_state_dict: {misfit} ({string.Join(" | ", problems)})");
        }
    }
}
