namespace Herd.Node.Engine;

/// <summary>What callers ask of the engine thread; it takes them between iterations.</summary>
internal abstract record EngineCommand
{
    public sealed record Start(Sequence Sequence) : EngineCommand;

    public sealed record Cancel(Sequence Sequence) : EngineCommand;
}
