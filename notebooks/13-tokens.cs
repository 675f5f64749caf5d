#!/usr/bin/env dotnet
// Lesson 13 — Tokens: how text becomes the integers a model sees
//
// A language model reads and writes integers, token ids in [0, V). A tokenizer is the dictionary between
// text and ids, and it must round-trip: decode(encode(s)) = s.
//
//   characters   one id per character that occurs in the corpus (V = 65 for tiny Shakespeare)
//   BPE          byte-pair encoding: start from the 256 bytes of UTF-8; repeatedly find the most frequent
//                adjacent pair (a, b) in the training text and make it a new token, 256 + k. Frequent
//                pieces of words ("th", "the", "and ") become single tokens, so the same text takes fewer
//                tokens: more text fits in the model's context, at the cost of a larger vocabulary V.
//   GPT-2        BPE learned by OpenAI on 40 GB of mostly English web text: 50,000 merges, V = 50,257. Text is
//                first cut into words, numbers and punctuation runs by a regular expression; merges never
//                cross those cuts. Bytes are shown through a table that maps each byte to a printable
//                character (a space becomes "Ġ").
//
// Library files to read beside it: Gpt/Tokenizers/ITokenizer.cs, CharTokenizer.cs, BpeTokenizer.cs and
// BpeTokenizer.Training.cs, Gpt2Tokenizer.cs (with Gpt2PreTokenizer.cs and BytesToUnicode.cs).
// GPT-2's files are OpenAI's, read from ../shared/data/gpt2/ (encoder.json, vocab.bpe).
//
// Run:  dotnet run notebooks/13-tokens.cs            (add --quick for the short version the tests run)
#:project ../Gpt/Scratch.Gpt.csproj
#:property PublishAot=false
#:include shared/Lesson.cs
using System.Text;
using Scratch.Gpt.Tokenizers;
using Scratch.Lessons;
using static Scratch.Lessons.Lesson;

Start(args, "13", "tokens");
string corpus = File.ReadAllText(Data("tinyshakespeare.txt"));
string sentence = "First Citizen:\nBefore we proceed any further, hear me speak.";

// ---------------------------------------------------------------------------------------------------------
Section("1. Characters");
var chars = CharTokenizer.FromText(corpus);
int[] charIds = chars.Encode(sentence);
Say($"tiny Shakespeare uses {chars.VocabSize} distinct characters, so the character tokenizer has V = {chars.VocabSize}. "
    + $"Its vocabulary in id order: {string.Concat(chars.Vocab.Select(r => r.ToString() == "\n" ? "⏎" : r.ToString()))}");
Say($"\"{sentence.Replace("\n", "⏎")}\" is {sentence.Length} characters and {charIds.Length} tokens:");
Say(string.Join(" ", charIds.Take(24)) + " …");
Check(chars.Decode(charIds) == sentence, "decode(encode(s)) = s for the character tokenizer");
Check(charIds.Length == sentence.Length, "one token per character");
try
{
    chars.Encode("café");
    Check(false, "a character the corpus never used cannot be encoded");
}
catch (ArgumentException e)
{
    Check(true, $"a character the corpus never used cannot be encoded: \"{e.Message}\"");
}

// ---------------------------------------------------------------------------------------------------------
Section("2. Byte-pair encoding, learned from Shakespeare");
string trainText = Quick ? corpus[..200_000] : corpus;
int merges = Quick ? 100 : 768;
Say($"Training BPE on {trainText.Length:N0} characters ({Encoding.UTF8.GetByteCount(trainText):N0} bytes), {merges} merges. The first ones, as they are learned:");
// Each new token is the bytes of its two parts; keep them to print what each merge made.
var pieces = Enumerable.Range(0, 256).Select(b => new[] { (byte)b }).ToList();
Console.WriteLine("  merge  left + right  →  new token   count of the pair");
var bpe = BpeTokenizer.Train(trainText, 256 + merges, (merge, count) =>
{
    pieces.Add([.. pieces[merge.Left], .. pieces[merge.Right]]); // token 256 + k
    if (merge.Rank < 20)
    {
        Console.WriteLine($"  {merge.Rank,5}  {ShowBytes(pieces[merge.Left]),4} + {ShowBytes(pieces[merge.Right]),-5} →  {ShowBytes(pieces[merge.Id]),-9} {count,8:N0}");
    }
});
Console.WriteLine($"  … and {merges - 20} more. The last: {ShowBytes(pieces[^3])}, {ShowBytes(pieces[^2])}, {ShowBytes(pieces[^1])}");
Console.WriteLine();
Check(Enumerable.Range(256, merges).All(id => pieces[id].SequenceEqual(bpe.TokenBytes(id).ToArray())),
    "every token's bytes are its two parts' bytes joined (the tokenizer agrees with the merges as they were printed)");


// The first merge must be the most frequent pair of bytes in the text: count every pair directly.
var bytes = Encoding.UTF8.GetBytes(trainText);
var pairCounts = new Dictionary<(byte, byte), int>();
for (int i = 0; i + 1 < bytes.Length; i++)
{
    pairCounts[(bytes[i], bytes[i + 1])] = pairCounts.GetValueOrDefault((bytes[i], bytes[i + 1])) + 1;
}
var top = pairCounts.OrderByDescending(p => p.Value).ThenBy(p => p.Key.Item1).ThenBy(p => p.Key.Item2).First();
Check(bpe.Merges[0].Left == top.Key.Item1 && bpe.Merges[0].Right == top.Key.Item2,
    $"the first merge is the most frequent byte pair, counted directly: {ShowBytes([top.Key.Item1, top.Key.Item2])} × {top.Value:N0}");

int[] bpeIds = bpe.Encode(sentence);
Say($"The sentence is now {bpeIds.Length} tokens instead of {charIds.Length}:");
Say(string.Join(" | ", bpeIds.Select(id => Show(bpe.TokenText(id)))));
Check(bpe.Decode(bpeIds) == sentence, "decode(encode(s)) = s for BPE");

// Compression on text BPE did not train on: the last 10% of the corpus (the GPT's val split).
string heldOut = corpus[(int)(corpus.Length * 0.9)..];
if (Quick)
{
    heldOut = heldOut[..50_000];
}
int heldOutBytes = Encoding.UTF8.GetByteCount(heldOut);
double bytesPerToken = (double)heldOutBytes / bpe.Encode(heldOut).Length;
Say($"On {heldOutBytes:N0} bytes of held-out text, BPE with V = {bpe.VocabSize} makes {bytesPerToken:F2} bytes per token "
    + $"(characters: 1.00). A model with a context of 256 tokens then sees about {256 * bytesPerToken:F0} characters of Shakespeare.");
Check(bytesPerToken > 1.5, $"BPE compresses held-out text to {bytesPerToken:F2} bytes per token (> 1.5)");

// ---------------------------------------------------------------------------------------------------------
Section("3. GPT-2's vocabulary: English, Chinese, emoji");
string gpt2Dir = Data("gpt2");
if (!File.Exists(Path.Combine(gpt2Dir, "encoder.json")))
{
    Say($"GPT-2's tokenizer files are not in {gpt2Dir}; this section is skipped. (They are OpenAI's encoder.json and vocab.bpe, "
        + "the same as Hugging Face's gpt2 vocab.json and merges.txt.)");
    return Finish();
}
var gpt2 = Gpt2Tokenizer.FromDirectory(gpt2Dir);
Say($"GPT-2's tokenizer: V = {gpt2.VocabSize} ({gpt2.Merges.Count:N0} merges on top of 256 bytes, and <|endoftext|> = {gpt2.EndOfTextId}).");
(string Name, string Text)[] samples =
[
    ("English", "The cat sat on the mat because it was warm."),
    ("Chinese", "猫坐在垫子上，因为垫子很暖和。"),
    ("emoji", "The 🐈 sat on the 🧶 because it was 🔥."),
];
var rows = new List<object[]>();
var perChar = new Dictionary<string, double>();
foreach (var (name, text) in samples)
{
    int[] ids = gpt2.Encode(text);
    int runes = text.EnumerateRunes().Count();
    perChar[name] = (double)ids.Length / runes;
    rows.Add([name, runes, Encoding.UTF8.GetByteCount(text), ids.Length, perChar[name]]);
    Check(gpt2.Decode(ids) == text, $"{name}: decode(encode(s)) = s");
}
Table(["text", "characters", "UTF-8 bytes", "GPT-2 tokens", "tokens per character"], rows);
foreach (var (name, text) in samples)
{
    int[] ids = gpt2.Encode(text);
    Say($"{name}: " + string.Join(" | ", ids.Select(id => $"{Show(gpt2.TokenText(id))} ({id})")));
}
int catTokens = gpt2.Encode("猫").Length;
var emojiTokens = new[] { "🐈", "🧶", "🔥" }.Select(e => $"{e} {Encoding.UTF8.GetByteCount(e)} bytes, {gpt2.Encode(" " + e).Length} tokens").ToArray();
Say($"GPT-2's merges were learned from mostly English text, so English words with their leading space are single tokens "
    + $"(GPT-2's files write \" cat\" as {gpt2.VocabEntry(gpt2.Encode(" cat")[0])}: a byte-to-character table shows the space as Ġ). "
    + $"A Chinese character is {Encoding.UTF8.GetByteCount("猫")} UTF-8 bytes, and few Chinese byte pairs were frequent enough in that text to be "
    + $"merged: 猫 alone takes {catTokens} tokens, and the Chinese sentence costs {perChar["Chinese"] / perChar["English"]:F1}× as many tokens "
    + $"per character as the English one, so it fills a context window {perChar["Chinese"] / perChar["English"]:F1}× sooner. Emoji (with "
    + $"their space): {string.Join("; ", emojiTokens)}; their pieces are bytes that are not characters on their own (shown \\xNN).");
Check(perChar["Chinese"] > perChar["English"], "Chinese costs more tokens per character than English in GPT-2's vocabulary");
Check(gpt2.Encode(" the").Length == 1 && gpt2.Encode("The cat").Length == 2, "common English words are single tokens (\" the\", \"The\", \" cat\")");

return Finish();

static string Show(string piece) => piece.Replace("\n", "⏎").Replace(" ", "·");

static string ShowBytes(byte[] piece) => Show(Encoding.UTF8.GetString(piece));
