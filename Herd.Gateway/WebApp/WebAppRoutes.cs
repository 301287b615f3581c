namespace Herd.Gateway.WebApp;

/// <summary>Where the web app's pages live; the page files' <c>@page</c> directives use these.</summary>
public static class WebAppRoutes
{
    public const string Base = "/app";
    public const string SignIn = "/app/sign-in";
    public const string Prompts = "/app/prompts";
    public const string PromptDetails = "/app/prompt-details";
    public const string PromptLab = "/app/prompt-lab";
    public const string History = "/app/history";
    public const string Nodes = "/app/nodes";
    public const string Queue = "/app/queue";
    public const string Keys = "/app/keys";

    /// <summary>A prompt's details, or the lab opened on it.</summary>
    public static string ForPrompt(string route, string promptId, string? version = null) =>
        $"{route}?id={Uri.EscapeDataString(promptId)}" + (string.IsNullOrEmpty(version) ? "" : $"&version={Uri.EscapeDataString(version)}");

    /// <summary>Where the gateway's single dashboard page was; it now leads to <see cref="Base"/>.</summary>
    public const string OldDashboard = "/dashboard";
}
