namespace Herd.Gateway.Prompts.Repository;

/// <summary>The prompt already has the version being published; published versions never change.</summary>
public sealed class PromptVersionExistsException(string promptId, string version)
    : Exception($"Prompt '{promptId}' already has version '{version}', and published versions never change; publish it as a new version.")
{
    public string PromptId { get; } = promptId;

    public string Version { get; } = version;
}
