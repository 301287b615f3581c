using Herd.Node.Tokenization;

namespace Herd.Node.Serving;

/// <summary>What to continue: plain text, or a conversation rendered with the model's chat template.</summary>
public sealed record PromptInput
{
    private PromptInput(string? text, IReadOnlyList<ChatTurn>? chat)
    {
        Text = text;
        Chat = chat;
    }

    public string? Text { get; }

    public IReadOnlyList<ChatTurn>? Chat { get; }

    public static PromptInput FromText(string text) => new(text ?? throw new ArgumentNullException(nameof(text)), null);

    public static PromptInput FromChat(IReadOnlyList<ChatTurn> turns) => new(null, turns ?? throw new ArgumentNullException(nameof(turns)));
}
