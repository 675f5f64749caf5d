using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Scratch.Nn.Checkpoints;

namespace Scratch.Gpt.Training;

/// <summary>
/// How a checkpoint directory changes from one complete state to the next in one step, so that a process killed
/// at any moment (SIGKILL, a power cut, Ctrl-C pressed twice) leaves exactly one saved state, which loads:
/// <code>
/// 1. write each new file beside the old ones as .NAME.new, flushed to disk       the old state is intact
/// 2. write the new manifest, .checkpoint.json.pending (renamed into place)      the commit: the new state is decided
/// 3. rename each .NAME.new over NAME; delete the old state's files the new one lacks
/// 4. rename .checkpoint.json.pending over checkpoint.json                        done
/// </code>
/// The manifest, checkpoint.json, names every file of the state with its size and SHA-256, and the iteration.
/// A reader that finds a pending manifest reads that (new) state, taking each file from .NAME.new where step 3
/// has not yet moved it; otherwise it reads checkpoint.json's state. Every file is checked against the manifest
/// when it is read, so files that do not belong together (copied in by hand, or a checkpoint written before
/// manifests existed and torn by a kill) are an error that names each file and its iteration. The next save
/// first finishes an interrupted step 3–4, then deletes what an interrupted step 1 left (.NAME.new, and the
/// .tmp files of earlier versions of Scratch).
/// <para>
/// A directory without checkpoint.json (written before manifests, or by hand) is read as it is, unchecked.
/// Readers never change the directory; only a save does.
/// </para>
/// </summary>
public static class CheckpointDirectory
{
    /// <summary>The manifest: the iteration and each file's size and SHA-256.</summary>
    public const string ManifestFile = "checkpoint.json";

    /// <summary>The manifest of a save that has passed its commit point but not yet finished (step 2 to 4).</summary>
    internal const string PendingFile = ".checkpoint.json.pending";

    /// <summary>The files a training checkpoint holds; with the manifests' names, the only files a save deletes or replaces.</summary>
    private static readonly string[] KnownFiles =
        ["model.safetensors", "config.json", "tokenizer.json", "optimizer.safetensors", "train_state.json", "loss.svg", ManifestFile];

    /// <summary>For tests: called with the name of each point of a save, so a test can stop a save anywhere by throwing.</summary>
    internal static Action<string>? StepHook
    {
        get => stepHook.Value;
        set => stepHook.Value = value;
    }

    private static readonly AsyncLocal<Action<string>?> stepHook = new(); // per test: tests run in parallel

    /// <summary>
    /// Replaces the state in <paramref name="dir"/> (created if needed) with <paramref name="files"/>: each name with
    /// a function that writes that file at the path it is given. <paramref name="iteration"/> is the training
    /// iteration the state belongs to (null for a model exported without training state).
    /// </summary>
    public static void Save(string dir, int? iteration, IReadOnlyList<(string Name, Action<string> Write)> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        Directory.CreateDirectory(dir);
        Recover(dir);

        // 1. The new files, beside the old ones.
        var entries = new List<CheckpointFile>();
        foreach (var (name, write) in files)
        {
            string staged = Staged(dir, name);
            write(staged);
            Flush(staged);
            entries.Add(Describe(staged, name));
            Step($"staged {name}");
        }

        // 2. The commit point: from here on, a reader sees the new state.
        var manifest = new CheckpointManifest(iteration, entries);
        string pending = Path.Combine(dir, PendingFile);
        WriteFlushed(pending + ".tmp", manifest.ToJson());
        File.Move(pending + ".tmp", pending, overwrite: true);
        Step("committed");

        // 3 and 4.
        RollForward(dir, manifest);
    }

    /// <summary>True if <paramref name="dir"/> holds a checkpoint (a manifest, or the model or config file of one written without).</summary>
    public static bool HoldsCheckpoint(string dir) =>
        Directory.Exists(dir) && (File.Exists(Path.Combine(dir, ManifestFile)) || File.Exists(Path.Combine(dir, PendingFile))
            || File.Exists(Path.Combine(dir, "model.safetensors")) || File.Exists(Path.Combine(dir, "config.json")));

    /// <summary>True if <paramref name="path"/> is one of the files of the checkpoint in its folder (writing anything there would break it).</summary>
    public static bool IsCheckpointFile(string path)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!HoldsCheckpoint(dir))
        {
            return false;
        }
        string name = Path.GetFileName(path);
        try
        {
            return OwnedNames(dir).Contains(name);
        }
        catch (InvalidDataException)
        {
            return OwnedNames(manifest: null).Contains(name); // an unreadable manifest: the known names still count
        }
    }

    /// <summary>
    /// The names of the files a checkpoint in <paramref name="dir"/> owns: the known ones, the pending manifest, the two a
    /// finished run writes beside the state (run.json, report.html), and any other its manifest lists.
    /// </summary>
    /// <exception cref="InvalidDataException">The manifest is not one Scratch wrote.</exception>
    private static HashSet<string> OwnedNames(string dir) => OwnedNames(Manifest(dir));

    private static HashSet<string> OwnedNames(CheckpointManifest? manifest)
    {
        var names = new HashSet<string>(KnownFiles) { PendingFile, "run.json", "report.html" };
        names.UnionWith(manifest?.Files.Select(f => f.Name) ?? []);
        return names;
    }

    /// <summary>The manifest of the state a reader of <paramref name="dir"/> sees, or null if the directory has none (an unchecked, older checkpoint).</summary>
    /// <exception cref="InvalidDataException">The manifest is not one Scratch wrote.</exception>
    public static CheckpointManifest? Manifest(string dir)
    {
        foreach (string name in new[] { PendingFile, ManifestFile })
        {
            string path = Path.Combine(dir, name);
            if (File.Exists(path))
            {
                return CheckpointManifest.FromJson(File.ReadAllText(path), path);
            }
        }
        return null;
    }

    /// <summary>
    /// The path to read <paramref name="file"/> of the checkpoint in <paramref name="dir"/> from, after checking that
    /// it is the file the manifest names (size and SHA-256). In a directory without a manifest, the file's own path.
    /// </summary>
    /// <exception cref="FileNotFoundException">The state has no such file, or it is missing.</exception>
    /// <exception cref="InvalidDataException">The file is not the one the manifest names (the message says which iteration each is from).</exception>
    public static string Open(string dir, string file)
    {
        string final = Path.Combine(dir, file);
        var manifest = Manifest(dir);
        if (manifest is null)
        {
            return File.Exists(final) ? final
                : throw new FileNotFoundException($"checkpoint {dir} has no {file} (is it a directory that scratch train wrote?)", final);
        }
        var entry = manifest.Files.FirstOrDefault(f => f.Name == file)
            ?? throw new FileNotFoundException($"checkpoint {dir} (iteration {Iteration(manifest.Iteration)}) has no {file}: its {ManifestFile} does not list one", final);
        bool pending = File.Exists(Path.Combine(dir, PendingFile));
        string staged = Staged(dir, file);
        string path = pending && File.Exists(staged) ? staged : final;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"checkpoint {dir} (iteration {Iteration(manifest.Iteration)}) is missing {file}, which its {ManifestFile} lists", final);
        }
        var found = Describe(path, file);
        if (found.Bytes != entry.Bytes || found.Sha256 != entry.Sha256)
        {
            throw new InvalidDataException(
                $"checkpoint {dir}: {file} does not belong to the saved state: {ManifestFile} is iteration {Iteration(manifest.Iteration)} "
                + $"and lists {file} as {entry.Bytes:N0} bytes, but the file is {found.Bytes:N0} bytes{FromIteration(path, file)} "
                + "(files from different saves were mixed; restore the directory from a copy or train again)");
        }
        return path;
    }

    /// <summary>Finishes a save that passed its commit point, and deletes the leftovers of a save that did not.</summary>
    private static void Recover(string dir)
    {
        string pending = Path.Combine(dir, PendingFile);
        if (File.Exists(pending))
        {
            RollForward(dir, CheckpointManifest.FromJson(File.ReadAllText(pending), pending));
        }
        var names = OwnedNames(dir);
        foreach (string path in Directory.EnumerateFiles(dir, ".*"))
        {
            string leftover = Path.GetFileName(path);
            bool stale = names.Any(name => leftover == $".{name}.new"
                || (leftover.EndsWith(".tmp", StringComparison.Ordinal) && (leftover.StartsWith($".{name}.", StringComparison.Ordinal) || leftover.StartsWith($"..{name}.", StringComparison.Ordinal))));
            if (stale)
            {
                File.Delete(path);
            }
        }
        foreach (string name in names)
        {
            File.Delete(Path.Combine(dir, name + ".tmp")); // what AtomicFile left when killed (no error if absent)
        }
    }

    /// <summary>Steps 3 and 4: the new files into place, the old state's extra files out, then the manifest.</summary>
    private static void RollForward(string dir, CheckpointManifest manifest)
    {
        foreach (var entry in manifest.Files)
        {
            string staged = Staged(dir, entry.Name);
            if (File.Exists(staged))
            {
                File.Move(staged, Path.Combine(dir, entry.Name), overwrite: true);
                Step($"renamed {entry.Name}");
            }
        }
        var old = new HashSet<string>(KnownFiles);
        string current = Path.Combine(dir, ManifestFile);
        if (File.Exists(current))
        {
            try
            {
                old.UnionWith(CheckpointManifest.FromJson(File.ReadAllText(current), current).Files.Select(f => f.Name));
            }
            catch (InvalidDataException)
            {
                // An unreadable old manifest is replaced below; its files are not ours to guess at.
            }
        }
        old.Remove(ManifestFile);
        old.ExceptWith(manifest.Files.Select(f => f.Name));
        foreach (string name in old)
        {
            File.Delete(Path.Combine(dir, name));
        }
        File.Move(Path.Combine(dir, PendingFile), current, overwrite: true);
        Step("done");
    }

    private static string Staged(string dir, string name) => Path.Combine(dir, $".{name}.new");

    private static void Step(string name) => StepHook?.Invoke(name);

    /// <summary>The file's size and SHA-256.</summary>
    private static CheckpointFile Describe(string path, string name)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20);
        return new CheckpointFile(name, stream.Length, Convert.ToHexStringLower(SHA256.HashData(stream)));
    }

    /// <summary>Makes sure a written file is on the disk, not only in the operating system's cache.</summary>
    private static void Flush(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        stream.Flush(flushToDisk: true);
    }

    private static void WriteFlushed(string path, string text)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        stream.Write(new System.Text.UTF8Encoding(false).GetBytes(text));
        stream.Flush(flushToDisk: true);
    }

    private static string Iteration(int? iteration) => iteration?.ToString(CultureInfo.InvariantCulture) ?? "none, an export";

    /// <summary>", from iteration k" when the file says which iteration it belongs to (the safetensors files and train_state.json do).</summary>
    private static string FromIteration(string path, string file)
    {
        try
        {
            string? found = null;
            if (file.EndsWith(".safetensors", StringComparison.Ordinal))
            {
                Safetensors.ReadHeader(path).Metadata.TryGetValue(IterationKey, out found);
            }
            else if (file == Checkpoint.StateFile)
            {
                found = TrainState.FromJson(File.ReadAllText(path)).Iteration.ToString(CultureInfo.InvariantCulture);
            }
            return found is null ? "" : $" from iteration {found}";
        }
        catch (Exception e) when (e is IOException or InvalidDataException or SafetensorsFormatException)
        {
            return ", unreadable";
        }
    }

    /// <summary>The safetensors metadata key that records the iteration a weights or optimiser file was saved at.</summary>
    public const string IterationKey = "iteration";
}
