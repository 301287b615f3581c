namespace Herd.Node.Engine;

/// <summary>
/// How an embedding job ended: <see cref="FinishReason.Stop"/> with one vector per text, in the
/// order of the request, or <see cref="FinishReason.Cancelled"/> with none. Each vector is the
/// mean of the model's last hidden states over the text's tokens, L2-normalised, in float32.
/// </summary>
public sealed record EmbeddingResult(FinishReason Reason, IReadOnlyList<float[]> Vectors, int PromptTokens, TimeSpan TotalTime);
