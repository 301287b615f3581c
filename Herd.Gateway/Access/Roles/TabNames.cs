namespace Herd.Gateway.Access.Roles;

/// <summary>
/// The names of the web app's tabs, as roles list them in <c>allow_tabs</c>: the roles file's
/// vocabulary, which the web app's tabs (<c>WebApp/Tabs/AppTabs</c>) use.
/// </summary>
public static class TabNames
{
    public const string Prompts = "prompts";
    public const string PromptDetails = "prompt-details";
    public const string PromptLab = "prompt-lab";
    public const string History = "history";
    public const string Nodes = "nodes";
    public const string Queue = "queue";
    public const string Keys = "keys";

    /// <summary>Every tab name a roles file may use, in the order of the navigation rail.</summary>
    public static readonly IReadOnlyList<string> All = [Prompts, PromptDetails, PromptLab, History, Nodes, Queue, Keys];
}
