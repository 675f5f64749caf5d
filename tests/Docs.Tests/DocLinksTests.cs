using System.Text.RegularExpressions;

namespace Scratch.Docs.Tests;

/// <summary>
/// What the docs point at exists: every relative link in a Markdown file names a file or folder of the repository,
/// and every folder of the layout README.md lists has the README it promises.
/// </summary>
public sealed partial class DocLinksTests
{
    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex Link();

    /// <summary>The relative targets of the links in <paramref name="markdown"/> (web addresses and anchors left out), without their #fragment.</summary>
    internal static IEnumerable<string> RelativeTargets(string markdown) =>
        Link().Matches(markdown).Select(m => m.Groups["target"].Value)
            .Where(t => !t.Contains("://", StringComparison.Ordinal) && !t.StartsWith('#') && !t.StartsWith("mailto:", StringComparison.Ordinal))
            .Select(t => t.Split('#')[0]);

    [Fact]
    public void EveryRelativeLinkNamesAFileOrFolderThatExists()
    {
        var broken = new List<string>();
        foreach (string path in Repo.Files("", ".md"))
        {
            string folder = Path.GetDirectoryName(Repo.FullPath(path))!;
            foreach (string target in RelativeTargets(Repo.Read(path)))
            {
                string full = Path.GetFullPath(Path.Combine(folder, target));
                if (!File.Exists(full) && !Directory.Exists(full))
                {
                    broken.Add($"{path}: ({target})");
                }
            }
        }
        Assert.True(broken.Count == 0, "these links point at nothing:\n" + string.Join("\n", broken));
    }

    [Fact]
    public void EveryFolderOfTheLayoutHasAReadme()
    {
        // README.md: "Each of the folders above has a README that tells its part through the code".
        string[] folders = ["Tensors", "Autograd", "Nn", "Gpt", "notebooks", "tests", "benchmarks"];
        Assert.Contains("Each of the folders\nabove has a README", Repo.Read("README.md"));
        var missing = folders.Where(f => !File.Exists(Repo.FullPath(f + "/README.md"))).ToList();
        Assert.True(missing.Count == 0, "README.md promises a README in every folder, but these have none: " + string.Join(", ", missing));
    }

    [Fact]
    public void LinksAreFoundWithoutTheirFragmentsAndWebAddressesAreLeftAlone()
    {
        string md = "[a](Tensors/README.md#views) [b](https://example.org/x) [c](#top) ![d](x.svg) `[e](not a link)`";
        Assert.Equal(["Tensors/README.md", "x.svg"], RelativeTargets(md));
    }
}
