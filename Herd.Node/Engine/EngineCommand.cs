namespace Herd.Node.Engine;

/// <summary>What callers ask of the engine thread; it takes them between iterations.</summary>
internal abstract record EngineCommand
{
    public sealed record Start(Sequence Sequence) : EngineCommand;

    public sealed record Cancel(Sequence Sequence) : EngineCommand;

    public sealed record Embed(EmbeddingJob Job) : EngineCommand;

    public sealed record CancelEmbedding(EmbeddingJob Job) : EngineCommand;
}
