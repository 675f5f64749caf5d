namespace Scratch.Gpt.Sampling;

/// <summary>The roles of a chat transcript; see <see cref="ChatSession"/> for the format.</summary>
/// <param name="SystemPrompt">Text placed before the first turn (may be empty).</param>
/// <param name="UserPrefix">The line that opens each of the user's turns, e.g. "ROMEO:".</param>
/// <param name="AssistantPrefix">The line that opens each of the model's turns, e.g. "JULIET:".</param>
/// <param name="MaxReplyTokens">The longest reply, in tokens, if the model never starts the user's next turn.</param>
public sealed record ChatOptions(string SystemPrompt = "", string UserPrefix = "ROMEO:", string AssistantPrefix = "JULIET:", int MaxReplyTokens = 200)
{
    /// <summary>Checks that both prefixes are given and the length limit is positive.</summary>
    /// <exception cref="ArgumentException">An empty prefix or a length limit below 1.</exception>
    public ChatOptions Validate()
    {
        if (string.IsNullOrEmpty(UserPrefix) || string.IsNullOrEmpty(AssistantPrefix))
        {
            throw new ArgumentException("--user-prefix and --assistant-prefix must not be empty");
        }
        if (MaxReplyTokens < 1)
        {
            throw new ArgumentException($"--max-new-tokens must be ≥ 1, got {MaxReplyTokens}");
        }
        return this;
    }
}
