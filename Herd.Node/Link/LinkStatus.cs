namespace Herd.Node.Link;

/// <summary>The google.rpc.Code values the node reports in JobFailed.</summary>
public static class LinkStatus
{
    public const int InvalidArgument = 3;
    public const int NotFound = 5;
    public const int AlreadyExists = 6;
    public const int ResourceExhausted = 8;
    public const int FailedPrecondition = 9;
    public const int Internal = 13;
    public const int Unavailable = 14;
}
