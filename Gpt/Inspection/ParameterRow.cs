namespace Scratch.Gpt.Inspection;

/// <summary>One kind of parameter in a GPT: how many matrices of it there are and how many numbers they hold.</summary>
/// <param name="Kind">What the parameters do ("query", "MLP up-projection", …).</param>
/// <param name="Shape">The shape of one piece, in the config's letters (e.g. "(C, C) per block").</param>
/// <param name="Matrices">How many 2-D weight matrices of this kind (see <see cref="ParameterTable"/> for what counts).</param>
/// <param name="Count">How many numbers; 0 for a kind that shares another's storage (the tied LM head).</param>
/// <param name="Note">A remark, such as the formula or "tied".</param>
public sealed record ParameterRow(string Kind, string Shape, long Matrices, long Count, string Note);
