using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Scratch.Gpt.Tests;

/// <summary>A test that needs headless Chromium; skipped, saying so, where there is none.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.Find() is null)
        {
            Skip = "Chromium not found (looked for $SCRATCH_CHROMIUM, chromium, chromium-browser, google-chrome on PATH): "
                + "report.html is not opened in a browser here. Install Debian's chromium to run this test.";
        }
    }
}

/// <summary>
/// Headless Chromium driven through the DevTools protocol (a WebSocket, JSON messages), with nothing but the base
/// library: it opens a page, waits for its load event, evaluates JavaScript in it, records console errors, uncaught
/// exceptions and every network request, and takes a screenshot of the whole page.
/// </summary>
internal sealed class Chromium : IAsyncDisposable
{
    private readonly Process process;
    private readonly string profile;
    private readonly ClientWebSocket socket = new();
    private readonly List<JsonObject> events = [];
    private int nextId;

    private Chromium(Process process, string profile)
    {
        this.process = process;
        this.profile = profile;
    }

    /// <summary>The browser's path, or null.</summary>
    public static string? Find()
    {
        if (Environment.GetEnvironmentVariable("SCRATCH_CHROMIUM") is { Length: > 0 } given)
        {
            return File.Exists(given) ? given : null;
        }
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator);
        return new[] { "chromium", "chromium-browser", "google-chrome" }
            .SelectMany(name => path.Select(dir => Path.Combine(dir, name))).FirstOrDefault(File.Exists);
    }

    /// <summary>Console messages of level error, uncaught exceptions and failed loads, as text.</summary>
    public List<string> Errors => events.Where(e => (string?)e["method"] switch
    {
        "Runtime.exceptionThrown" => true,
        "Runtime.consoleAPICalled" => (string?)e["params"]!["type"] is "error" or "assert",
        "Log.entryAdded" => (string?)e["params"]!["entry"]!["level"] == "error",
        _ => false,
    }).Select(e => e.ToJsonString()).ToList();

    /// <summary>The URLs of every request the page made.</summary>
    public List<string> Requests => events.Where(e => (string?)e["method"] == "Network.requestWillBeSent")
        .Select(e => (string)e["params"]!["request"]!["url"]!).ToList();

    public static async Task<Chromium> Start()
    {
        string exe = Find() ?? throw new InvalidOperationException("no Chromium");
        string profile = Directory.CreateTempSubdirectory("scratch-chromium-").FullName;
        var info = new ProcessStartInfo(exe)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--remote-debugging-port=0", $"--user-data-dir={profile}", "--window-size=1280,900", "about:blank" })
        {
            info.ArgumentList.Add(arg);
        }
        var process = Process.Start(info)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var browser = new Chromium(process, profile);
        // The browser writes its port into DevToolsActivePort in the profile once it listens.
        string portFile = Path.Combine(profile, "DevToolsActivePort");
        var clock = Stopwatch.StartNew();
        while (!File.Exists(portFile) || File.ReadAllLines(portFile).Length < 2)
        {
            if (process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new InvalidOperationException($"Chromium did not start (exit {(process.HasExited ? process.ExitCode : -1)})");
            }
            await Task.Delay(100);
        }
        int port = int.Parse(File.ReadAllLines(portFile)[0]);
        using var http = new HttpClient();
        var targets = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json/list"))!.AsArray();
        string ws = (string)targets.First(t => (string?)t!["type"] == "page")!["webSocketDebuggerUrl"]!;
        await browser.socket.ConnectAsync(new Uri(ws), CancellationToken.None);
        foreach (string domain in new[] { "Page", "Runtime", "Log", "Network" })
        {
            await browser.Send($"{domain}.enable");
        }
        return browser;
    }

    /// <summary>Opens <paramref name="url"/> and waits for its load event.</summary>
    public async Task Open(string url)
    {
        await Send("Page.navigate", new JsonObject { ["url"] = url });
        await WaitFor(e => (string?)e["method"] == "Page.loadEventFired");
    }

    /// <summary>The value of a JavaScript expression in the page.</summary>
    public async Task<JsonNode?> Evaluate(string expression)
    {
        var result = await Send("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true });
        return result["result"]!["value"];
    }

    /// <summary>A PNG of the whole page, however long.</summary>
    public async Task<byte[]> Screenshot()
    {
        var metrics = await Send("Page.getLayoutMetrics");
        var size = metrics["cssContentSize"]!;
        var clip = new JsonObject { ["x"] = 0, ["y"] = 0, ["width"] = (double)size["width"]!, ["height"] = (double)size["height"]!, ["scale"] = 1 };
        var shot = await Send("Page.captureScreenshot", new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = true, ["clip"] = clip });
        return Convert.FromBase64String((string)shot["data"]!);
    }

    private async Task<JsonObject> Send(string method, JsonObject? parameters = null)
    {
        int id = ++nextId;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        await socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
        var reply = await WaitFor(e => (int?)e["id"] == id);
        if (reply["error"] is { } error)
        {
            throw new InvalidOperationException($"{method}: {error.ToJsonString()}");
        }
        return reply["result"]!.AsObject();
    }

    /// <summary>Reads messages, keeping the events, until one matches (or 60 s pass).</summary>
    private async Task<JsonObject> WaitFor(Func<JsonObject, bool> match)
    {
        if (events.FirstOrDefault(match) is { } seen)
        {
            return seen;
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var buffer = new byte[1 << 16];
        while (true)
        {
            using var text = new MemoryStream();
            WebSocketReceiveResult part;
            do
            {
                part = await socket.ReceiveAsync(buffer, timeout.Token);
                text.Write(buffer, 0, part.Count);
            }
            while (!part.EndOfMessage);
            var message = JsonNode.Parse(text.ToArray())!.AsObject();
            if (message["id"] is null)
            {
                events.Add(message);
            }
            if (match(message))
            {
                return message;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (socket.State == WebSocketState.Open)
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }
        }
        catch (WebSocketException)
        {
        }
        socket.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
        try
        {
            Directory.Delete(profile, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
