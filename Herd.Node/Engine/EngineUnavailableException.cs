namespace Herd.Node.Engine;

/// <summary>
/// The engine cannot run here or could not finish: the device asked for is missing, or a step
/// failed (for example out of memory). The message says what happened and what to do.
/// </summary>
public sealed class EngineUnavailableException : Exception
{
    public EngineUnavailableException(string message)
        : base(message)
    {
    }

    public EngineUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public EngineUnavailableException()
    {
    }
}
