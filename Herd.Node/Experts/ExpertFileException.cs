namespace Herd.Node.Experts;

/// <summary>An experts file that cannot be used: the message lists each problem and where it is.</summary>
public sealed class ExpertFileException : Exception
{
    public ExpertFileException(string message)
        : base(message)
    {
    }

    public ExpertFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ExpertFileException()
    {
    }
}
