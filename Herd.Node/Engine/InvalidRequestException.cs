namespace Herd.Node.Engine;

/// <summary>
/// A request the engine will not run as given (a prompt longer than the context, a sampling
/// parameter out of range). The message says what was wrong and the limits; the gRPC edge maps
/// it to INVALID_ARGUMENT.
/// </summary>
public sealed class InvalidRequestException : Exception
{
    public InvalidRequestException(string message)
        : base(message)
    {
    }

    public InvalidRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public InvalidRequestException()
    {
    }
}
