namespace Herd.Gateway.Prompts.Repository;

/// <summary>A version the repository refused to publish, with every problem found.</summary>
public sealed class PromptPublishException(IReadOnlyList<string> problems)
    : Exception("The prompt was not published: " + string.Join("; ", problems) + ".")
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
