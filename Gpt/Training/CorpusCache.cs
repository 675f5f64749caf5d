namespace Scratch.Gpt.Training;

/// <summary>
/// The default corpus: tiny Shakespeare (Karpathy's char-rnn data set, about 1 MB), kept in a user cache
/// folder and downloaded once if it is not there.
/// </summary>
public static class CorpusCache
{
    /// <summary>The public address of tiny Shakespeare.</summary>
    public const string ShakespeareUrl = "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt";

    /// <summary>$XDG_CACHE_HOME/scratch, or ~/.cache/scratch.</summary>
    public static string Folder
    {
        get
        {
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var root = string.IsNullOrEmpty(xdg)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
                : xdg;
            return Path.Combine(root, "scratch");
        }
    }

    /// <summary>The path of tiny Shakespeare in <see cref="Folder"/>, downloaded first if absent.</summary>
    /// <exception cref="IOException">It is absent and could not be downloaded (the message says what to do instead).</exception>
    public static string Shakespeare(Action<string>? log = null) =>
        Ensure(Path.Combine(Folder, "tinyshakespeare.txt"), ShakespeareUrl, TimeSpan.FromSeconds(15), log);

    /// <summary>
    /// <paramref name="path"/> if it exists; otherwise fetches <paramref name="url"/> into it (through a temporary
    /// file and a rename, so an interrupted download leaves nothing behind).
    /// </summary>
    /// <exception cref="IOException">The download failed or timed out.</exception>
    public static string Ensure(string path, string url, TimeSpan timeout, Action<string>? log = null)
    {
        if (File.Exists(path))
        {
            return path;
        }
        log?.Invoke($"downloading {url} to {path}");
        try
        {
            using var http = new HttpClient { Timeout = timeout };
            var text = http.GetStringAsync(new Uri(url)).GetAwaiter().GetResult();
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            AtomicFile.WriteAllText(path, text);
            return path;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or UriFormatException or InvalidOperationException)
        {
            throw new IOException(
                $"could not download the default corpus from {url} ({e.Message.TrimEnd('.')}); pass a local file instead, e.g. --data ../shared/data/tinyshakespeare.txt", e);
        }
    }
}
