namespace Herd.Node.Tokenization;

/// <summary>One message of a conversation: who speaks (<c>system</c>, <c>user</c>, <c>assistant</c>) and what.</summary>
public sealed record ChatTurn(string Role, string Content)
{
    public const string SystemRole = "system";
    public const string UserRole = "user";
    public const string AssistantRole = "assistant";
}
