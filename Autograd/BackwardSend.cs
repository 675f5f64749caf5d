using Scratch.Tensors;

namespace Scratch.Autograd;

/// <summary>
/// One contribution in a traced backward pass: node <paramref name="FromStep"/>'s backward function added
/// <paramref name="Contribution"/> = ∂L/∂from · ∂from/∂input to the gradient of its input <paramref name="InputPosition"/>,
/// the node of step <paramref name="ToStep"/>. A node used twice (x · x, or by two ops) receives two sends, and its
/// gradient is their sum.
/// </summary>
/// <param name="FromStep">The step whose backward function sent it.</param>
/// <param name="ToStep">The step of the node that received it (−1 if that node is not in the trace).</param>
/// <param name="InputPosition">Which input of the sender it went to: the k-th send to a node goes to its k-th
/// place among the sender's inputs (ops send in input order); −1 if the receiver is not among them.</param>
/// <param name="Contribution">What was added, of the receiver's shape.</param>
public sealed record BackwardSend(int FromStep, int ToStep, int InputPosition, Tensor<double> Contribution);
