namespace Herd.Node.Engine;

/// <summary>Text <paramref name="Index"/> of an embedding job, run in this step's encoding pass.</summary>
public readonly record struct EmbeddingText(EmbeddingJob Job, int Index)
{
    public IReadOnlyList<int> Tokens => Job.Request.Texts[Index];
}
