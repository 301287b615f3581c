namespace Herd.Node.Engine;

public enum FinishReason
{
    /// <summary>An end-of-sequence token or a stop sequence.</summary>
    Stop,

    /// <summary>max_tokens or the context length.</summary>
    Length,

    /// <summary>The caller cancelled.</summary>
    Cancelled,
}
