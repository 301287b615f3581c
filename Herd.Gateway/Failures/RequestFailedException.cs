namespace Herd.Gateway.Failures;

/// <summary>Ends a request with a <see cref="RequestFailure"/>; the door the request came through answers it.</summary>
public sealed class RequestFailedException : Exception
{
    public RequestFailedException(RequestFailure failure)
        : base(failure?.Message) =>
        Failure = failure ?? throw new ArgumentNullException(nameof(failure));

    public RequestFailedException(FailureKind kind, string message)
        : this(new RequestFailure(kind, message))
    {
    }

    public RequestFailure Failure { get; }

    public FailureKind Kind => Failure.Kind;
}
