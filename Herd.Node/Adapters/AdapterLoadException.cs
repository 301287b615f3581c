namespace Herd.Node.Adapters;

/// <summary>
/// An adapter folder that cannot be applied to the model: a missing or malformed file, a method
/// other than LoRA, a module Herd does not adapt, or shapes that do not fit the base model. The
/// message names the file or tensor and what is wrong.
/// </summary>
public sealed class AdapterLoadException : Exception
{
    public AdapterLoadException(string message)
        : base(message)
    {
    }

    public AdapterLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AdapterLoadException()
    {
    }
}
