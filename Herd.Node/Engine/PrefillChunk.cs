namespace Herd.Node.Engine;

/// <summary>Prompt tokens [Start, Start + Length) of a sequence to run this step.</summary>
public sealed record PrefillChunk(Sequence Sequence, int Start, int Length)
{
    public bool CompletesPrompt => Start + Length == Sequence.Prompt.Count;
}
