using System.Text.Json;
using Scratch.Gpt.Tokenizers;

namespace Scratch.Gpt.Tests;

/// <summary>Reading GPT-2's files under both names, the errors for missing and malformed ones, and tokenizer.json.</summary>
public sealed class Gpt2TokenizerFileTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("scratch-gpt2-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void HuggingFaceNamesReadTheSameVocabulary()
    {
        // The same bytes under Hugging Face's names, in a temporary folder (never in the repository).
        File.Copy(Path.Combine(Corpus.Gpt2Dir, "encoder.json"), Path.Combine(dir, "vocab.json"));
        File.Copy(Path.Combine(Corpus.Gpt2Dir, "vocab.bpe"), Path.Combine(dir, "merges.txt"));
        var huggingFace = Gpt2Tokenizer.FromDirectory(dir);
        Assert.Equal(Corpus.Gpt2.ToJson(), huggingFace.ToJson());
        var text = string.Join("\n", Gpt2TokenizerTests.UnicodeCorpus);
        Assert.Equal(Corpus.Gpt2.Encode(text), huggingFace.Encode(text));
    }

    [Fact]
    public void SavesWholeInTokenizerJsonAndLoadsBackThroughITokenizer()
    {
        var path = Path.Combine(dir, "tokenizer.json");
        Corpus.Gpt2.Save(path);
        Assert.StartsWith("{\"type\":\"gpt2\",\"allow_special\":true,\"vocab\":{\"!\":0,", File.ReadAllText(path));
        Assert.Contains("\"merges\":[\"Ġ t\",\"Ġ a\",\"h e\",", File.ReadAllText(path));
        var loaded = Assert.IsType<Gpt2Tokenizer>(ITokenizer.Load(path));
        Assert.Equal(Corpus.Gpt2.ToJson(), loaded.ToJson());
        var text = string.Join("\n", Gpt2TokenizerTests.UnicodeCorpus) + Corpus.Shakespeare[..20_000];
        Assert.Equal(Corpus.Gpt2.Encode(text), loaded.Encode(text));

        var strict = Gpt2Tokenizer.FromJson(Corpus.Gpt2.WithAllowSpecial(false).ToJson());
        Assert.False(strict.AllowSpecial);
        Assert.Throws<ArgumentException>(() => strict.Encode("<|endoftext|>"));
    }

    [Fact]
    public void AMissingFolderOrFileIsNamed()
    {
        var missing = Path.Combine(dir, "nowhere");
        Assert.Contains($"GPT-2 vocabulary folder not found: {missing}",
            Assert.Throws<DirectoryNotFoundException>(() => Gpt2Tokenizer.FromDirectory(missing)).Message);
        var error = Assert.Throws<FileNotFoundException>(() => Gpt2Tokenizer.FromDirectory(dir));
        Assert.Contains($"{Path.Combine(dir, "vocab.json")} (or encoder.json", error.Message);
        WriteSmallVocabulary(["Ġ t"]);
        File.Delete(Path.Combine(dir, "merges.txt"));
        error = Assert.Throws<FileNotFoundException>(() => Gpt2Tokenizer.FromDirectory(dir));
        Assert.Contains($"{Path.Combine(dir, "merges.txt")} (or vocab.bpe", error.Message);
    }

    [Fact]
    public void ASmallVocabularyInTheSameFormatWorks()
    {
        WriteSmallVocabulary(["Ġ t", "h e", "Ġt he"]);
        var small = Gpt2Tokenizer.FromDirectory(dir);
        Assert.Equal(256 + 3 + 1, small.VocabSize);
        Assert.Equal(["Ġthe"], small.Encode(" the").Select(small.VocabEntry));
        Assert.Equal(["h", "Ġthe", "Ġ", "h", "Ġ", "e"], small.Encode("h the h e").Select(small.VocabEntry));
        Assert.Equal(["Ġ", "he"], small.Encode(" he").Select(small.VocabEntry));
        Assert.Equal(" the", small.Decode(small.Encode(" the")));
    }

    [Theory]
    [InlineData("vocab.json", "{\"a\": 1,", "vocab.json is not valid JSON")]
    [InlineData("vocab.json", "[1, 2]", "vocab.json should be a JSON object from each token to its id, not a Array")]
    [InlineData("vocab.json", "{\"a\": \"x\"}", "the id of token \"a\" is \"x\", not an integer")]
    [InlineData("merges.txt", "#version: 0.2\nĠ t\nh e x\n", "merges.txt line 3: expected two tokens separated by one space, found \"h e x\"")]
    [InlineData("merges.txt", "#version: 0.2\nĠ t\nhe\n", "merges.txt line 3: expected two tokens")]
    [InlineData("merges.txt", "#version: 0.2\nĠ t\nq z\n", "merges.txt line 3: \"qz\" is not a token of")]
    [InlineData("merges.txt", "#version: 0.2\nĠt he\nĠ t\nh e\n", "merges.txt line 2: \"Ġt\" is made by no earlier merge")]
    [InlineData("merges.txt", "#version: 0.2\nĠ t\nĠ t\n", "merges.txt line 3: \"Ġt\" is already made by")]
    public void AMalformedFileIsNamedWithItsLine(string file, string content, string message)
    {
        WriteSmallVocabulary(["Ġ t", "h e", "Ġt he"]);
        File.WriteAllText(Path.Combine(dir, file), content);
        var error = Assert.Throws<InvalidDataException>(() => Gpt2Tokenizer.FromDirectory(dir));
        Assert.Contains(message, error.Message);
        Assert.Contains(Path.Combine(dir, file), error.Message);
    }

    [Fact]
    public void AVocabularyThatIsNotByteLevelBpeIsRejected()
    {
        var vocab = SmallVocab(["Ġt", "he", "Ġthe"]);
        Check(v => Rename(v, "A", "AA"), "has no token for the byte 0x41 (written 'A')");
        Check(v => Rename(v, Gpt2Tokenizer.EndOfText, "<|eot|>"), "has no token \"<|endoftext|>\"");
        Check(v => v["Ġthe"] = 7, "id 7 is given to both");
        Check(v => v["Ġthe"] = 9999, "token \"Ġthe\" has id 9999, but with 260 tokens the ids are 0 … 259");
        Check(v => v["a b"] = v.Count, "token \"a b\" (id 260) holds ' ' (U+0020), which is not one of bytes_to_unicode's 256 stand-ins");

        static void Rename(Dictionary<string, int> v, string token, string newName)
        {
            v[newName] = v[token];
            v.Remove(token);
        }

        void Check(Action<Dictionary<string, int>> change, string message)
        {
            var changed = new Dictionary<string, int>(vocab);
            change(changed);
            File.WriteAllText(Path.Combine(dir, "encoder.json"), JsonSerializer.Serialize(changed));
            File.WriteAllText(Path.Combine(dir, "vocab.bpe"), "#version: 0.2\nĠ t\nh e\nĠt he\n");
            var error = Assert.Throws<InvalidDataException>(() => Gpt2Tokenizer.FromDirectory(dir));
            Assert.True(error.Message.Contains(message, StringComparison.Ordinal), error.Message);
        }
    }

    [Fact]
    public void MalformedTokenizerJsonIsNamed()
    {
        Assert.Contains("gpt2 tokenizer JSON needs an object field \"vocab\"",
            Assert.Throws<InvalidDataException>(() => ITokenizer.FromJson("""{"type":"gpt2","merges":[]}""")).Message);
        Assert.Contains("\"allow_special\" must be true or false",
            Assert.Throws<InvalidDataException>(() => ITokenizer.FromJson("""{"type":"gpt2","allow_special":1,"vocab":{},"merges":[]}""")).Message);
        var json = JsonSerializer.Serialize(new { type = "gpt2", vocab = SmallVocab(["Ġt"]), merges = new object[] { "Ġ t", 5 } });
        Assert.Contains("gpt2 tokenizer JSON: merges[1] must be a string",
            Assert.Throws<InvalidDataException>(() => ITokenizer.FromJson(json)).Message);
    }

    /// <summary>The 256 byte tokens (in GPT-2's order), then the merged tokens, then "&lt;|endoftext|&gt;".</summary>
    private static Dictionary<string, int> SmallVocab(string[] merged)
    {
        var vocab = new Dictionary<string, int>();
        foreach (var b in Enumerable.Range(0, 256).OrderBy(b => BytesToUnicode.Char((byte)b)))
            vocab[BytesToUnicode.Char((byte)b).ToString()] = vocab.Count;
        foreach (var token in merged)
            vocab[token] = vocab.Count;
        vocab[Gpt2Tokenizer.EndOfText] = vocab.Count;
        return vocab;
    }

    /// <summary>vocab.json and merges.txt for these merges ("Ġ t"), in <see cref="dir"/>.</summary>
    private void WriteSmallVocabulary(string[] merges)
    {
        File.WriteAllText(Path.Combine(dir, "vocab.json"), JsonSerializer.Serialize(SmallVocab([.. merges.Select(m => m.Replace(" ", ""))])));
        File.WriteAllText(Path.Combine(dir, "merges.txt"), "#version: 0.2\n" + string.Join("\n", merges) + "\n");
    }
}
