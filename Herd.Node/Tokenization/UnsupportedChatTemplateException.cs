namespace Herd.Node.Tokenization;

/// <summary>
/// A chat request for a model whose chat template Herd cannot render: the template is none of the
/// supported families, or the model has none. Plain completion still works for such a model.
/// </summary>
public sealed class UnsupportedChatTemplateException : Exception
{
    public const string DefaultMessage =
        "The model's chat template is not one of the families Herd renders (Llama 3, ChatML, Llama 2, Mistral), "
        + "so chat requests cannot be served for this model; plain completion still works.";

    public UnsupportedChatTemplateException()
        : base(DefaultMessage)
    {
    }

    public UnsupportedChatTemplateException(string message)
        : base(message)
    {
    }

    public UnsupportedChatTemplateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
