#!/usr/bin/env dotnet
// Lesson 20 — Chat from a completion model
//
// A base model was trained for one thing: to continue text. It has never been told that it is talking to
// anyone. A chat is made of it by writing the conversation as a transcript in a format the model has seen
// (here the play format of its corpus), and letting it continue from the point where its own character speaks:
//
//     {system prompt}⏎⏎                       once: sets the scene
//     ROMEO:⏎{what the user typed}⏎⏎          the user's turn, under a role prefix
//     JULIET:⏎                                the model continues from here...
//     {reply}                                 ...until it starts a line "ROMEO:" itself, where it is cut off
//
// The system prompt is only more text before the turns: it changes the next-token distribution exactly as much
// as the model's attention lets it, and not at all once it lies more than block_size tokens back.
//
// Library files to read beside it: Gpt/Sampling/ChatSession.cs (the transcript, the stop text, streaming),
// Gpt/Sampling/ChatOptions.cs (system prompt and role prefixes), Gpt/Sampling/Generator.cs, Gpt/Sampling/KvCache.cs.
//
// It uses the trained character GPT of lesson 18 (notebooks/out/baby-gpt/), training it first if lesson 18
// has not run.
//
// Run:  dotnet run notebooks/20-chat.cs            (add --quick for the short version the tests run)
#:project ../Gpt/Scratch.Gpt.csproj
#:property PublishAot=false
#:include shared/Lesson.cs
#:include shared/BabyGpt.cs
using System.Text.RegularExpressions;
using Scratch.Gpt.Plots;
using Scratch.Gpt.Sampling;
using Scratch.Lessons;
using Scratch.Tensors;
using static Scratch.Lessons.Lesson;

Start(args, "20", "chat from a completion model");
var (model, chars) = BabyGpt.LoadOrTrain();
int blockSize = model.Config.BlockSize;
var source = new KvCache<float>(model);
var sampling = new SamplingOptions(Temperature: 0.8);
static string Indent(string text) => "    " + text.Replace("\n", "\n    ");

// ---------------------------------------------------------------------------------------------------------
Section("1. A base model continues a transcript");
string opening = "ROMEO:\nGood morrow, fair Juliet.\n\nJULIET:\n";
Say($"Give the model the start of a scene and let it write 200 characters (temperature {G(sampling.Temperature)}). It answers as JULIET, "
    + "and then it does not stop: nothing tells it that its turn is over, so it may go on to write the next speakers' lines too.");
var speakerLine = new Regex(@"^[A-Z][A-Z ]*[A-Z]:$", RegexOptions.Multiline); // "ROMEO:", "KING RICHARD III:" on a line of its own
int seeds = Quick ? 4 : 12, wroteOtherTurns = 0;
for (ulong seed = 1; seed <= (ulong)seeds; seed++)
{
    var ids = Generator.Generate(source, chars.Encode(opening), 200, sampling, new Rng(seed)).Select(t => t.Id).ToList();
    string continuation = chars.Decode(ids);
    var speakers = speakerLine.Matches(continuation).Select(m => m.Value).ToList();
    wroteOtherTurns += speakers.Count > 0 ? 1 : 0;
    if (seed == 1)
    {
        Console.WriteLine(Indent(opening + continuation));
        Console.WriteLine();
        Say($"In this sample it wrote {speakers.Count} speaker line{(speakers.Count == 1 ? "" : "s")} of its own{(speakers.Count > 0 ? ": " + string.Join(", ", speakers.Distinct()) : "")}.");
    }
}
Say($"In {wroteOtherTurns} of {seeds} samples (seeds 1–{seeds}) the model went on to write other speakers' turns within 200 characters.");
int corpusCharacters = File.ReadAllText(BabyGpt.Corpus).Distinct().Count();
Check(chars.VocabSize == corpusCharacters && model.Config.VocabSize == corpusCharacters,
    $"it cannot stop by itself: its {model.Config.VocabSize} tokens are exactly the {corpusCharacters} characters of the corpus, with no end-of-reply token, "
    + "so every step writes one more character");

// ---------------------------------------------------------------------------------------------------------
Section("2. Role prefixes and a stop: a dialogue");
var chat = new ChatOptions(SystemPrompt: "Verona. A street at night.", UserPrefix: "ROMEO:", AssistantPrefix: "JULIET:", MaxReplyTokens: 150);
var session = new ChatSession(new KvCache<float>(model), chars, chat, sampling, new Rng(5));
var mirrorSource = new KvCache<float>(model); // the same calls in the same order, outside the session, to check what it did
var mirrorRng = new Rng(5);
string[] turns = ["Good morrow, fair Juliet.", "Wilt thou walk with me?"];
var expected = $"{chat.SystemPrompt}\n\n";
foreach (string turn in turns)
{
    string before = session.Transcript;
    Console.WriteLine($"  {chat.UserPrefix} {turn}");
    Console.Write($"  {chat.AssistantPrefix} ");
    var pieces = new List<string>();
    foreach (string piece in session.Reply(turn))
    {
        pieces.Add(piece);
        Console.Write(piece.Replace("\n", "\n  "));
    }
    Console.WriteLine();
    string reply = string.Concat(pieces);
    expected += $"{chat.UserPrefix}\n{turn}\n\n{chat.AssistantPrefix}\n{reply.TrimEnd('\n')}\n\n";
    // The same continuation, drawn again without the session: the reply is it, cut where "⏎ROMEO:" begins.
    string prompt = $"{before}{chat.UserPrefix}\n{turn}\n\n{chat.AssistantPrefix}\n";
    var raw = new List<int>();
    foreach (var token in Generator.Generate(mirrorSource, chars.Encode(prompt), chat.MaxReplyTokens, sampling, mirrorRng))
    {
        raw.Add(token.Id);
        if (chars.Decode(raw).Contains(session.StopText, StringComparison.Ordinal))
        {
            break;
        }
    }
    string written = chars.Decode(raw);
    int stop = written.IndexOf(session.StopText, StringComparison.Ordinal);
    Check(reply == (stop >= 0 ? written[..stop] : written),
        stop >= 0
            ? $"the reply is what the model wrote, cut where it began \"{Visible(session.StopText)}\" after {stop} characters (streamed in {pieces.Count} pieces)"
            : $"the reply is what the model wrote: {chat.MaxReplyTokens} characters, the limit, without handing the turn back (streamed in {pieces.Count} pieces)");
}
Console.WriteLine();
Say("What the model saw, in full (the session keeps the transcript and sends all of it at every turn):");
Console.WriteLine(Indent(session.Transcript.TrimEnd('\n')));
Console.WriteLine();
Check(session.Transcript == expected, "the transcript is the system prompt, then ROMEO:⏎{turn}⏎⏎JULIET:⏎{reply}⏎⏎ for each turn, exactly");

int handedBack = 0, otherSpeakers = 0, sessions = Quick ? 4 : 10;
for (ulong seed = 1; seed <= (ulong)sessions; seed++)
{
    string reply = string.Concat(new ChatSession(source, chars, chat, sampling, new Rng(seed)).Reply(turns[0]));
    handedBack += reply.Length < chat.MaxReplyTokens ? 1 : 0; // a character tokenizer: one token per character, so a shorter reply was cut at the stop
    otherSpeakers += speakerLine.IsMatch(reply) ? 1 : 0;
}
Say($"Over {sessions} conversations (seeds 1–{sessions}) opening with \"{turns[0]}\": the model handed the turn back with \"{chat.UserPrefix}\" "
    + $"in {handedBack}; in {otherSpeakers} the reply holds lines for other characters of its own invention. The session can stop only at "
    + $"\"{Visible(session.StopText)}\", and nothing in the model's training told it that someone is waiting for its answer.");

// ---------------------------------------------------------------------------------------------------------
Section("3. What the system prompt changes");
var window = new UncachedSource<float>(model);
string Prompt(string system, string turn) => (system.Length > 0 ? system + "\n\n" : "") + $"{chat.UserPrefix}\n{turn}\n\n{chat.AssistantPrefix}\n";
double[] FirstCharacter(string system, string turn) => Sampler.Distribution(window.NextLogits(chars.Encode(Prompt(system, turn))), new SamplingOptions(1.0));
static double TotalVariation(double[] p, double[] q) => 0.5 * p.Zip(q).Sum(pq => Math.Abs(pq.First - pq.Second));
string[] systems = ["", "A churchyard at night. Enter mourners with a coffin.", "A hall in Capulet's house. Music plays; the guests dance!"];
string question = "What news?";
var distributions = systems.Select(sp => FirstCharacter(sp, question)).ToList();
Say($"The user says \"{question}\". The distribution of the first character of JULIET's reply under three system prompts:");
Table(["system prompt", "most likely first characters", "entropy"], systems.Select((sp, k) => (IReadOnlyList<object>)[
    sp.Length == 0 ? "(none)" : sp,
    string.Join("  ", Enumerable.Range(0, distributions[k].Length).OrderByDescending(i => distributions[k][i]).Take(4).Select(i => $"{Visible(chars.Decode([i]))} {distributions[k][i]:F3}")),
    Sampler.Entropy(distributions[k])]));
double tv12 = TotalVariation(distributions[1], distributions[2]);
Say($"Between the churchyard and the feast the first character's distribution moves by a total variation of {G(tv12)}.");

string longTurn = "What news, good nurse? I pray thee, tell me all, and tell it quickly, for I am sick with waiting for thy news.";
var gaps = new List<double>();
var shifts = new List<double>();
bool farIdentical = true;
for (int k = 1; k <= longTurn.Length && (gaps.Count == 0 || gaps[^1] < blockSize + 24); k++)
{
    string turn = longTurn[..k];
    int gap = Prompt("", turn).Length + 2; // the characters after the system prompt: ⏎⏎ROMEO:⏎{turn}⏎⏎JULIET:⏎
    double[] churchyard = window.NextLogits(chars.Encode(Prompt(systems[1], turn)));
    double[] feast = window.NextLogits(chars.Encode(Prompt(systems[2], turn)));
    if (gap >= blockSize)
    {
        farIdentical &= churchyard.SequenceEqual(feast); // bit for bit
    }
    gaps.Add(gap);
    shifts.Add(TotalVariation(Sampler.Distribution(churchyard, new SamplingOptions(1.0)), Sampler.Distribution(feast, new SamplingOptions(1.0))));
}
Say($"Now the user's turn grows, one character at a time, from \"{longTurn[..1]}\" towards \"{longTurn}\", and pushes the system prompt back. "
    + $"The model sees the last {blockSize} characters:");
Table(["characters after the system prompt", "system prompt visible?", "total variation, churchyard vs feast"],
    gaps.Select((g, k) => (g, k)).Where(x => x.k < 3 || Math.Abs(x.g - blockSize) <= 1 || x.k == gaps.Count - 1)
        .Select(x => (IReadOnlyList<object>)[x.g, x.g < blockSize ? "partly" : "no", shifts[x.k]]));
Check(shifts[0] > 0, $"with a short turn the system prompt is partly in view and moves the first character's distribution by {G(shifts[0])}");
Check(farIdentical && shifts.Where((_, k) => gaps[k] >= blockSize).All(v => v == 0),
    $"once {blockSize} or more characters follow it, the system prompt changes nothing: the logits are identical, bit for bit");
var gapChart = new Chart("does the system prompt still matter? (churchyard vs feast)", "characters between the system prompt and the reply", "total variation")
    { Legend = Corner.TopRight };
gapChart.Line("total variation", gaps, shifts, markers: true, width: 1.5);
gapChart.Line($"block_size = {blockSize}: out of sight from here", [blockSize, blockSize], [0, shifts.Max()], colour: "black", dashed: true);
Picture("system-prompt.svg", gapChart.ToSvg());

// ---------------------------------------------------------------------------------------------------------
Section("4. Form, not meaning");
Say("The honest caveat: this is a character model with under a million parameters that has read only Shakespeare. "
    + "It has learned what a reply looks like — lines under a name, words, punctuation, line breaks — and nothing of what one means. "
    + "It has no notion that it is JULIET, that the user asked something, or what the words refer to.");
try
{
    session.Reply("What is 2 + 2?");
    Check(false, "a question with digits cannot even be typed");
}
catch (ArgumentException e)
{
    Check(true, $"a question with digits cannot even be typed: {e.Message.Split(" (Parameter")[0]}");
}
double AnswerLogProb(string turn, string answer)
{
    var context = chars.Encode(Prompt("", turn)).ToList();
    double sum = 0;
    foreach (int id in chars.Encode(answer))
    {
        double[] p = Sampler.Distribution(window.NextLogits(context), new SamplingOptions(1.0));
        sum += Math.Log(p[id]);
        context.Add(id);
    }
    return sum;
}
string[] questions = ["What is thy name?", "Where is the king?"];
string[] answers = ["My name is Juliet.", "My name is Romeo.", "He is in the tower.", "He is in the garden."];
var scores = questions.Select(q => answers.Select(a => AnswerLogProb(q, a)).ToArray()).ToArray();
Say("One more probe: how likely the model finds four replies after two different questions, ln p(reply) = Σ ln p(each character | "
    + "the transcript and the characters before it). A model that understood would prefer a name after the first and a place after the second.");
Table(["reply", .. questions.Select(q => $"ln p(reply | \"{q}\")")], answers.Select((a, j) => (IReadOnlyList<object>)[a, .. scores.Select(s => (object)s[j])]));
int[] favourite = scores.Select(s => Array.IndexOf(s, s.Max())).ToArray();
double largestShift = answers.Select((_, j) => Math.Abs(scores[0][j] - scores[1][j])).Max();
double spread = scores[0].Max() - scores[0].Min();
Check(favourite[0] == favourite[1],
    $"its favourite reply is \"{answers[favourite[0]]}\" after both questions: changing the question moves a reply's ln p by at most {G(largestShift)}, "
    + $"while the replies differ among themselves by up to {G(spread)}. The scores follow how Shakespeare-like the characters are, not what was asked");
Say("So: the transcript format, the role prefixes and the system prompt steer the form of what comes next, within the "
    + $"{blockSize} characters the model can see. Meaning, and following an instruction, need far larger models trained on far more "
    + "text, and then tuned on conversations (lesson 22 counts how much larger).");

return Finish();
