using System.Xml.Linq;

namespace Scratch.Docs.Tests;

/// <summary>
/// Autograd/Derivatives.md is what the doc comments of Autograd/Ops say now, and every public op that records
/// a node with a backward function of its own states its rule.
/// </summary>
public sealed class DerivativeTableTests
{
    /// <summary>Ops that record a node but whose rule is not theirs to state.</summary>
    private static readonly Dictionary<string, string> NoRuleOfTheirOwn = new()
    {
        ["Custom(op, value, parents, backward)"] = "the caller supplies the backward rule",
    };

    [Fact]
    public void TheCommittedTableIsWhatTheDocCommentsSay()
    {
        string generated = DerivativeTable.PageFromRepository();
        string path = Repo.FullPath(DerivativeTable.OutputPath);
        if (Environment.GetEnvironmentVariable("SCRATCH_WRITE_DOCS") == "1")
        {
            File.WriteAllText(path, generated);
        }
        string committed = File.Exists(path) ? File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal) : "";
        if (committed == generated)
        {
            return;
        }
        string[] a = committed.Split('\n'), b = generated.Split('\n');
        int line = 0;
        while (line < a.Length && line < b.Length && a[line] == b[line])
        {
            line++;
        }
        Assert.Fail($"{DerivativeTable.OutputPath} is not what the doc comments of {DerivativeTable.OpsFolder} say now; "
            + $"rewrite it with: SCRATCH_WRITE_DOCS=1 dotnet test tests/Docs.Tests -c Release --filter DerivativeTable\n"
            + $"first difference, line {line + 1}:\n  committed: {(line < a.Length ? a[line] : "(end of file)")}\n  generated: {(line < b.Length ? b[line] : "(end of file)")}");
    }

    [Fact]
    public void EveryOpThatRecordsANodeStatesItsRule()
    {
        var unstated = new List<DerivativeTable.Unstated>();
        DerivativeTable.PageFromRepository(unstated);
        var missing = unstated.Where(u => !NoRuleOfTheirOwn.ContainsKey(u.Op)).Select(u => $"{u.File}: {u.Op}").ToList();
        Assert.True(missing.Count == 0,
            "these public ops record a node with a backward function but their <summary> states no rule (a piece starting with ∂L/∂):\n"
            + string.Join("\n", missing));
        Assert.All(NoRuleOfTheirOwn.Keys, op => Assert.Contains(unstated, u => u.Op == op));
    }

    [Fact]
    public void TheTableHasARowForEveryFamilyOfOps()
    {
        string page = DerivativeTable.PageFromRepository();
        foreach (string op in new[] { "Add(a, b)", "Mul(a, b)", "MatMul(a, b)", "Tanh()", "Softmax(dim)", "Sum(dim, keepDim)", "Reshape(shape)", "a * s" })
        {
            Assert.Contains($"| `{op}` |", page);
        }
    }

    private static (string Forward, string Backward) RuleOf(string summaryXml)
    {
        var (forward, backward) = DerivativeTable.Parse(XElement.Parse(summaryXml, LoadOptions.PreserveWhitespace));
        return (string.Join("; ", forward), string.Join("; ", backward));
    }

    [Fact]
    public void AOneLineRuleSplitsAtTheFirstGradient()
    {
        Assert.Equal(("y = tanh(x)", "∂L/∂x = ∂L/∂y · (1 − y²)"), RuleOf("<summary>y = tanh(x)      ∂L/∂x = ∂L/∂y · (1 − y²)</summary>"));
        Assert.Equal(("y = |x|", "∂L/∂x = ∂L/∂y · sign(x); (sign(0) = 0, as in PyTorch)"),
            RuleOf("<summary>y = |x|      ∂L/∂x = ∂L/∂y · sign(x)      (sign(0) = 0, as in PyTorch)</summary>"));
        Assert.Equal(("y = x &gt; 0".Replace("&gt;", ">"), "∂L/∂x = [x > 0]"), RuleOf("<summary>y = x &gt; 0      ∂L/∂x = [x &gt; 0]</summary>"));
    }

    [Fact]
    public void ParagraphsAndCodeBlocksCarryLongerRules()
    {
        const string layerNorm = """
            <summary>
            Layer normalisation (<c>F.layer_norm</c>), per row:
            <code>
            μ = (1/C) Σᵢ xᵢ      σ² = (1/C) Σᵢ (xᵢ − μ)²  (biased)
            </code>
            Backward, with dx̂ᵢ = dyᵢ · wᵢ:
            <code>
            ∂L/∂xᵢ = rstd · dx̂ᵢ      (C)
            datt = dy
            </code>
            The first line is the chain rule, y = f(x).
            </summary>
            """;
        Assert.Equal(("μ = (1/C) Σᵢ xᵢ; σ² = (1/C) Σᵢ (xᵢ − μ)²", "with dx̂ᵢ = dyᵢ · wᵢ; ∂L/∂xᵢ = rstd · dx̂ᵢ; datt = dy"), RuleOf(layerNorm));

        const string gelu = "<summary>\nGELU: y = ½·x,  u = <paramref name=\"x\"/>³\n<para>∂L/∂x = ∂L/∂y · u</para>\n<para>(From ∂u/∂x = 3x².)</para>\n</summary>";
        Assert.Equal(("GELU: y = ½·x; u = x³", "∂L/∂x = ∂L/∂y · u"), RuleOf(gelu));

        const string linear = "<summary>\ny = x · Wᵀ: y[…, n] = Σₖ x[…, k] · W[n, k], one op, so that W's gradient is\nin its layout:\n<code>\n∂L/∂x = ∂L/∂y · W            (…, N) · (N, K)\n</code>\n</summary>";
        Assert.Equal(("y = x · Wᵀ: y[…, n] = Σₖ x[…, k] · W[n, k]", "∂L/∂x = ∂L/∂y · W"), RuleOf(linear));
    }

    [Fact]
    public void ProseAliasesAndCSharpExamplesStateNoRule()
    {
        Assert.Equal(("", ""), RuleOf("<summary>Elementwise sum (see <see cref=\"Add\"/>).</summary>"));
        Assert.Equal(("", ""), RuleOf("<summary>A value with the caller's rule, given ∂L/∂y.\n<code>\n// y = x³      ∂L/∂x = ∂L/∂y · 3x²\nvar y = Cube(x);\n</code>\n</summary>"));
    }

    [Fact]
    public void RowsNameTheOpAndEscapeTheTable()
    {
        const string source = """
            namespace N;
            public sealed partial class Var<T>
            {
                /// <summary>y = |x|      ∂L/∂x = ∂L/∂y · sign(x)</summary>
                public Var<T> Abs() => Record("abs", x, [this], dy => { });

                /// <summary>z = a · s      ∂L/∂a = ∂L/∂z · s</summary>
                public static Var<T> operator *(Var<T> a, T s) => Mul(a, Constant(s));

                /// <summary>Negation.</summary>
                public static Var<T> operator -(Var<T> x) => x.Neg();

                /// <summary>An op that forgot its rule.</summary>
                public Var<T> Forgot() => Record("forgot", x, [this], dy => { });

                /// <summary>y = 2x      ∂L/∂x = 2 ∂L/∂y</summary>
                private Var<T> Hidden() => Record("hidden", x, [this], dy => { });
            }
            """;
        var unstated = new List<DerivativeTable.Unstated>();
        string page = DerivativeTable.Page([("Autograd/Ops/Var.Test.cs", source)], unstated);
        Assert.Contains("## [Var.Test.cs](Ops/Var.Test.cs)\n\n| op | forward | backward |\n|---|---|---|\n", page);
        Assert.Contains("| `Abs()` | `y = \\|x\\|` | `∂L/∂x = ∂L/∂y · sign(x)` |\n| `a * s` | `z = a · s` | `∂L/∂a = ∂L/∂z · s` |\n", page);
        Assert.DoesNotContain("Hidden", page);
        Assert.DoesNotContain("Negation", page);
        Assert.Equal("Forgot()", Assert.Single(unstated).Op);
    }
}
