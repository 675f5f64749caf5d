namespace Scratch.Nn.Checkpoints;

/// <summary>A safetensors file that breaks the format; the message names the file and the problem.</summary>
public sealed class SafetensorsFormatException : Exception
{
    /// <summary>Makes the exception with the message "safetensors: {source}: {problem}".</summary>
    public SafetensorsFormatException(string source, string problem, Exception? inner = null)
        : base($"safetensors: {source}: {problem}", inner)
    {
        Source = source;
        Problem = problem;
    }

    /// <summary>The file (or "&lt;bytes&gt;", "&lt;stream&gt;") that was being read.</summary>
    public new string Source { get; }

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; }
}
