using System.Text;

namespace Scratch.Gpt.Training;

/// <summary>
/// Writes a file so that a reader (or a crash) never sees half of it: the text goes to
/// <c>path.tmp</c> first, which is then renamed over <c>path</c> (a rename within one folder is atomic).
/// </summary>
public static class AtomicFile
{
    /// <summary>Replaces <paramref name="path"/> with <paramref name="text"/> (UTF-8) in one rename.</summary>
    public static void WriteAllText(string path, string text)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        File.Move(temp, path, overwrite: true);
    }
}
