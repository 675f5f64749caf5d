namespace Scratch.Notebooks.Tests;

public sealed class Lesson15Tests
{
    private static LessonRun Run => LessonRunner.Run("15-attention.cs");

    [Fact]
    public void Unscaled_scores_saturate_the_softmax_at_large_d_k() =>
        Assert.InRange(Run.NumberAfter("unscaled, at d_k = 512 the softmax saturates: max weight"), 0.9, 1.0);

    [Fact]
    public void The_library_attention_equals_the_hand_written_one() =>
        Assert.InRange(Run.NumberAfter("CausalSelfAttention<double>.Forward equals the hand-written attention (largest gap"), 0, 1e-12);

    [Fact]
    public void The_trained_model_attention_maps_match_the_hand_computation() =>
        Assert.InRange(Run.NumberAfter("layer 0's attention by hand equals AttentionMaps' for every head (largest gap"), 0, 1e-5);
}
