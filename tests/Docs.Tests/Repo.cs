namespace Scratch.Docs.Tests;

/// <summary>
/// The repository these tests read: the folder holding Scratch.sln, found by walking up from the test
/// assembly (tests/Docs.Tests/bin/Release/net10.0/). Paths are given relative to it, with '/'.
/// </summary>
internal static class Repo
{
    /// <summary>The libraries whose source the line budget and the docs speak about.</summary>
    public static readonly string[] Libraries = ["Tensors", "Autograd", "Nn", "Gpt"];

    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Scratch.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"Docs.Tests: no Scratch.sln in {AppContext.BaseDirectory} or any folder above it");
    }

    /// <summary>The full path of a repository path such as "Autograd/README.md".</summary>
    public static string FullPath(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public static string Read(string relative) => File.ReadAllText(FullPath(relative));

    /// <summary>
    /// Every file under <paramref name="folder"/> ("" for the whole repository) whose name ends in
    /// <paramref name="extension"/>, as sorted repository paths; build output (bin, obj), lesson output
    /// (out) and hidden folders (.git) are skipped.
    /// </summary>
    public static IReadOnlyList<string> Files(string folder, string extension)
    {
        var found = new List<string>();
        var pending = new Stack<string>([FullPath(folder)]);
        while (pending.Count > 0)
        {
            string dir = pending.Pop();
            foreach (string sub in Directory.EnumerateDirectories(dir))
            {
                string name = Path.GetFileName(sub);
                if (name is not ("bin" or "obj" or "out") && !name.StartsWith('.'))
                {
                    pending.Push(sub);
                }
            }
            found.AddRange(Directory.EnumerateFiles(dir, "*" + extension).Select(Relative));
        }
        found.Sort(StringComparer.Ordinal);
        return found;
    }

    private static string Relative(string full) => Path.GetRelativePath(Root, full).Replace(Path.DirectorySeparatorChar, '/');
}
