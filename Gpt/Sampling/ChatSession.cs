using System.Text;
using Scratch.Gpt.Tokenizers;
using Scratch.Tensors;

namespace Scratch.Gpt.Sampling;

/// <summary>
/// A chat with a language model that was only ever trained to continue text: the conversation is written
/// as a transcript in the corpus's own play format, and the model continues it.
/// <code>
/// {system}\n\n                                  once, if a system prompt is given
/// {user}\n{text}\n\n{assistant}\n               each user turn; the model continues from here
/// </code>
/// The reply ends when the generated text contains "\n" + {user} (the model has started writing the
/// user's next line; that part is cut off) or after <see cref="ChatOptions.MaxReplyTokens"/> tokens.
/// The reply (without trailing newlines) and "\n\n" join the transcript, so later turns see earlier ones.
/// Text is streamed as it is generated, except for a tail that could still turn out to be the start of
/// "\n" + {user}, which is held back until it cannot.
/// </summary>
public sealed class ChatSession
{
    private readonly ILogitsSource source;
    private readonly ITokenizer tokenizer;
    private readonly ChatOptions chat;
    private readonly SamplingOptions sampling;
    private readonly Rng rng;
    private readonly StringBuilder transcript = new();

    /// <summary>A new conversation, starting with the system prompt.</summary>
    public ChatSession(ILogitsSource source, ITokenizer tokenizer, ChatOptions chat, SamplingOptions sampling, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(chat);
        ArgumentNullException.ThrowIfNull(sampling);
        ArgumentNullException.ThrowIfNull(rng);
        this.source = source;
        this.tokenizer = tokenizer;
        this.chat = chat.Validate();
        this.sampling = sampling.Validate();
        this.rng = rng;
        // Fail now, not at the first turn, if the system prompt or a prefix has characters the model does not know.
        foreach (var (flag, text) in new[] { ("--system", chat.SystemPrompt), ("--user-prefix", chat.UserPrefix), ("--assistant-prefix", chat.AssistantPrefix) })
        {
            if (UnknownCharacter(text) is string unknown)
            {
                throw new ArgumentException($"{flag}: {unknown}");
            }
        }
        if (chat.SystemPrompt.Length > 0)
        {
            transcript.Append(chat.SystemPrompt).Append("\n\n");
        }
        tokenizer.Encode(transcript.ToString());
    }

    /// <summary>The conversation so far, as the model sees it.</summary>
    public string Transcript => transcript.ToString();

    /// <summary>The text whose appearance ends a reply: a new line that starts the user's prefix.</summary>
    public string StopText => "\n" + chat.UserPrefix;

    /// <summary>
    /// Adds the user's turn and streams the model's reply, piece by piece. The transcript is updated when the
    /// enumeration finishes.
    /// </summary>
    /// <exception cref="ArgumentException">The text holds characters the tokenizer cannot encode (thrown on the call).</exception>
    public IEnumerable<string> Reply(string userText)
    {
        ArgumentNullException.ThrowIfNull(userText);
        string prompt = $"{transcript}{chat.UserPrefix}\n{userText}\n\n{chat.AssistantPrefix}\n";
        int[] context = tokenizer.Encode(prompt);
        return Stream(prompt, context);
    }

    /// <summary>
    /// Reads user turns from <paramref name="input"/> (one per line, until the end; blank lines skipped) and writes each
    /// streamed reply. A line with a character the tokenizer cannot encode is not sent: <paramref name="reject"/> (or,
    /// without it, <paramref name="write"/>) is told which character of that line it is, and the next line is read.
    /// </summary>
    public void Run(TextReader input, Action<string> write, Action<string>? reject = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(write);
        reject ??= problem => write(problem + "\n");
        while (input.ReadLine() is string line)
        {
            if (line.Trim().Length == 0)
            {
                continue;
            }
            if (UnknownCharacter(line) is string unknown)
            {
                reject($"your line was not sent: {unknown}; type it again without it");
                continue;
            }
            write($"{chat.AssistantPrefix}\n");
            foreach (string piece in Reply(line))
            {
                write(piece);
            }
            write("\n");
        }
    }

    /// <summary>
    /// The first character of <paramref name="text"/> the tokenizer cannot encode, counted from 1 within that text
    /// (not within the transcript around it): "character 3, 'é' (U+00E9), is not in the vocabulary (65 tokens)"; or null.
    /// </summary>
    private string? UnknownCharacter(string text)
    {
        int position = 1;
        foreach (var rune in text.EnumerateRunes()) // a lone surrogate comes as U+FFFD
        {
            try
            {
                tokenizer.Encode(rune.ToString());
            }
            catch (ArgumentException)
            {
                return $"character {position}, {Characters.Describe(rune)}, is not in the vocabulary ({tokenizer.VocabSize} tokens)";
            }
            position++;
        }
        return null;
    }

    private IEnumerable<string> Stream(string prompt, int[] context)
    {
        var reply = new List<int>();
        string text = "";
        int emitted = 0;
        foreach (var token in Generator.Generate(source, context, chat.MaxReplyTokens, sampling, rng))
        {
            reply.Add(token.Id);
            text = tokenizer.Decode(reply);
            int stop = text.IndexOf(StopText, StringComparison.Ordinal);
            if (stop >= 0)
            {
                text = text[..stop]; // cut the user's next line off
                break;
            }
            int safe = text.Length - HeldBack(text);
            if (safe > emitted)
            {
                yield return text[emitted..safe];
                emitted = safe;
            }
        }
        if (text.Length > emitted)
        {
            yield return text[emitted..];
        }
        transcript.Clear().Append(prompt).Append(text.TrimEnd('\n')).Append("\n\n");
    }

    /// <summary>How many characters at the end of <paramref name="text"/> must wait: the longest tail that starts
    /// <see cref="StopText"/>, or an incomplete UTF-8 sequence (decoded as U+FFFD) from a byte-level tokenizer.</summary>
    private int HeldBack(string text)
    {
        for (int length = Math.Min(text.Length, StopText.Length - 1); length > 0; length--)
        {
            if (text.AsSpan(text.Length - length).SequenceEqual(StopText.AsSpan(0, length)))
            {
                return length;
            }
        }
        return text.EndsWith('\uFFFD') ? 1 : 0;
    }
}
