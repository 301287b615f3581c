namespace Herd.Node.Adapters;

/// <summary>An adapter a request asked for that the node cannot apply now; <see cref="Reason"/> says which way.</summary>
public sealed class AdapterUnavailableException : Exception
{
    public AdapterUnavailableException(AdapterUnavailableReason reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    public AdapterUnavailableException()
    {
    }

    public AdapterUnavailableException(string message)
        : base(message)
    {
    }

    public AdapterUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AdapterUnavailableReason Reason { get; }
}

/// <summary>Why an adapter cannot be applied.</summary>
public enum AdapterUnavailableReason
{
    /// <summary>The node has no adapter of that name.</summary>
    Unknown,

    /// <summary>Its files cannot be loaded or do not fit the model.</summary>
    Invalid,

    /// <summary>Every resident adapter is in use and no more fit.</summary>
    NoRoom,
}
