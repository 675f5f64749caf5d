namespace Scratch.Gpt.Cli;

/// <summary>
/// The checks a command makes before it does any work, so that a mistake costs nothing: the files and folders it
/// will read are there and of the right kind, the ones it will write can be written, and every number is in range.
/// Each error is one line that names the flag. Writing is tested for real (a probe file is created and deleted at
/// once) rather than guessed from permission bits, which say nothing for root or a read-only file system.
/// </summary>
internal static class Preflight
{
    /// <summary>A folder the command reads (a checkpoint, a vocabulary): if it exists it must be a folder, not a file.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is a file.</exception>
    public static void InputFolder(string flag, string? path)
    {
        if (path is not null && File.Exists(path))
        {
            throw new ArgumentException($"{flag} {path} is a file; give the folder (scratch train writes a checkpoint as a folder of files)");
        }
    }

    /// <summary>
    /// A file the command will write (an SVG, a metrics log): not a folder, and either an existing file it can open for
    /// writing or a new name in a folder that accepts new files. With <paramref name="createsFolders"/> the folder
    /// may be missing, and the nearest folder above it that exists is checked instead.
    /// Whatever it is, a file of a checkpoint (model.safetensors, …) is never written over; with <paramref name="svg"/>,
    /// an existing file that is not an SVG picture is not replaced either.
    /// </summary>
    /// <exception cref="ArgumentException">The path is a folder, lies under a file, is a file that must not be replaced, or cannot be written (the reason is given).</exception>
    public static void OutputFile(string flag, string? path, bool createsFolders = false, bool svg = false)
    {
        if (path is null)
        {
            return;
        }
        if (Directory.Exists(path))
        {
            throw new ArgumentException($"{flag} {path} is a folder; give the name of a file to write");
        }
        if (File.Exists(path) && Training.CheckpointDirectory.IsCheckpointFile(path))
        {
            throw new ArgumentException($"{flag} {path} is a file of the checkpoint in {Parent(path)}; writing there would break it: give another file name");
        }
        if (svg && File.Exists(path) && !IsSvg(path))
        {
            throw new ArgumentException($"{flag} {path} exists and is not an SVG picture; it is not replaced: give another file name, or delete it first");
        }
        if (File.Exists(path))
        {
            Probe(flag, path, () => new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite).Dispose()); // opened, not truncated
            return;
        }
        string folder = Parent(path);
        if (!createsFolders && !Directory.Exists(folder))
        {
            throw new ArgumentException(File.Exists(folder)
                ? $"{flag} {path}: {folder} is a file, not a folder"
                : $"{flag} {path}: the folder {folder} does not exist");
        }
        WritableFolder(flag, path, folder);
    }

    /// <summary>True if the file starts (after blank space) with an XML declaration or an &lt;svg&gt; element.</summary>
    private static bool IsSvg(string path)
    {
        var head = new byte[256];
        int n;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        string text = System.Text.Encoding.UTF8.GetString(head, 0, n).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        return n == 0 || text.StartsWith("<?xml", StringComparison.Ordinal) || text.StartsWith("<svg", StringComparison.Ordinal);
    }

    /// <summary>
    /// A folder the command will write files into (a checkpoint): not a file, and either an existing folder that
    /// accepts new files or a new one whose nearest existing ancestor does (it is created when the first file is written).
    /// </summary>
    /// <exception cref="ArgumentException">The path is a file, lies under a file, or cannot be written (the reason is given).</exception>
    public static void OutputFolder(string flag, string path)
    {
        if (File.Exists(path))
        {
            throw new ArgumentException($"{flag} {path} is a file; give a folder to write into");
        }
        WritableFolder(flag, path, Directory.Exists(path) ? path : Parent(path));
    }

    /// <summary>The value, if it is at least <paramref name="min"/>.</summary>
    /// <exception cref="ArgumentException">It is smaller: "--max-new-tokens must be ≥ 0, got -5".</exception>
    public static int AtLeast(string flag, int value, int min) =>
        value >= min ? value : throw new ArgumentException($"{flag} must be ≥ {min}, got {value}");

    /// <summary>The value, if it is a finite number above 0.</summary>
    /// <exception cref="ArgumentException">It is 0, negative, infinite or NaN.</exception>
    public static double Positive(string flag, double value) =>
        value > 0 && double.IsFinite(value) ? value : throw new ArgumentException(FormattableString.Invariant($"{flag} must be a finite number > 0, got {value}"));

    /// <summary>
    /// <paramref name="folder"/>, or the nearest folder above it that exists, must be a folder that accepts a new
    /// file: one is created in it and deleted on close.
    /// </summary>
    private static void WritableFolder(string flag, string path, string folder)
    {
        string existing = Path.GetFullPath(folder);
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing))
            {
                throw new ArgumentException($"{flag} {path}: {existing} is a file, not a folder");
            }
            existing = Path.GetDirectoryName(existing) ?? throw new ArgumentException($"{flag} {path}: no folder above it exists");
        }
        string probe = Path.Combine(existing, $".scratch-write-test-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Probe(flag, path, () => new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose).Dispose(),
            $"cannot create a file in {existing}", probe);
    }

    /// <summary>Runs <paramref name="attempt"/>; an I/O or access error becomes one line naming the flag and the reason.</summary>
    private static void Probe(string flag, string path, Action attempt, string what = "it cannot be opened for writing", string? probe = null)
    {
        try
        {
            attempt();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string reason = e switch
            {
                UnauthorizedAccessException => "permission denied",
                FileNotFoundException or DirectoryNotFoundException when probe is not null => "it does not accept new files",
                _ => (probe is null ? e.Message : e.Message.Replace(probe, "a test file", StringComparison.Ordinal)).TrimEnd('.'),
            };
            throw new ArgumentException($"{flag} {path} cannot be written: {what} ({reason})", e);
        }
    }

    /// <summary>The folder a path names its file in ("." for a bare file name).</summary>
    private static string Parent(string path)
    {
        string? parent = Path.GetDirectoryName(Path.GetFullPath(path));
        return string.IsNullOrEmpty(parent) ? "." : parent;
    }
}
