namespace Herd.Node.Tokenization;

/// <summary>
/// A chat request for a model whose chat template Herd cannot render: the template is none of the
/// supported families, or the model has none. Plain completion still works for such a model.
/// </summary>
public sealed class UnsupportedChatTemplateException : Exception
{
    public const string DefaultMessage =
        "The model's chat template is none of the families Herd renders: Llama 3 (3.0 to 3.3), ChatML (Qwen2, SmolLM), "
        + "Llama 2 chat and Mistral Instruct (v0.1 to v0.3). Chat requests cannot be served for this model; "
        + "plain completion still works.";

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
