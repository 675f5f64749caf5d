using System.Reflection;

namespace Scratch.Autograd.Tests;

/// <summary>Every op of Var has a gradient property: a test named Gradient_&lt;op&gt;.</summary>
public sealed class OpCoverageTests
{
    [Fact]
    public void EveryOpHasAGradientTest()
    {
        // The ops: public methods (static or instance) returning Var<double>, except operators (which call
        // the named ops), property getters, and Detach (which cuts the graph rather than extending it).
        var ops = typeof(Var<double>)
            .GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance)
            .Where(m => m.ReturnType == typeof(Var<double>) && !m.IsSpecialName && m.Name != nameof(Var<double>.Detach))
            .Select(m => m.Name)
            .Distinct()
            .ToArray();
        Assert.NotEmpty(ops);

        var tests = typeof(OpCoverageTests).Assembly.GetTypes()
            .Where(t => t.IsVisible)
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
            .Where(m => m.GetCustomAttributes<FactAttribute>().Any())
            .Select(m => m.Name)
            .ToHashSet();

        var missing = ops.Where(op => !tests.Contains("Gradient_" + op)).OrderBy(op => op).ToArray();
        Assert.True(missing.Length == 0, $"ops without a Gradient_<op> [Fact]: {string.Join(", ", missing)}");
    }
}
