using System.Runtime.CompilerServices;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;

namespace Scratch.Docs.Tests;

/// <summary>
/// Runs FsCheck properties reproducibly (as in the other test projects): the seed comes from SCRATCH_SEED
/// when it is set, else a fresh random one, and a failure names it.
/// </summary>
internal static class Properties
{
    public static void Check<TCase>(Gen<TCase> cases, Action<TCase> property, int count = 100, [CallerMemberName] string test = "")
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("SCRATCH_SEED");
        ulong seed = fromEnvironment is { Length: > 0 } ? ulong.Parse(fromEnvironment) : (ulong)Random.Shared.NextInt64();
        var replay = new Replay(new Rnd(seed), FSharpOption<int>.None);
        var config = Config.QuickThrowOnFailure.WithMaxTest(count).WithReplay(FSharpOption<Replay>.Some(replay));
        try
        {
            Prop.ForAll(cases.ToArbitrary(), property).Check(config);
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"{test} failed; replay with SCRATCH_SEED={seed}\n{e.Message}");
        }
    }
}
