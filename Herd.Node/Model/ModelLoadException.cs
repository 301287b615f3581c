namespace Herd.Node.Model;

/// <summary>
/// A model folder that cannot be served as it is: an unsupported architecture, a missing or
/// malformed file, a missing tensor. The message names the file or tensor and what to do.
/// </summary>
public sealed class ModelLoadException : Exception
{
    public ModelLoadException(string message)
        : base(message)
    {
    }

    public ModelLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ModelLoadException()
    {
    }
}
