namespace Herd.Gateway.WebApp.Session;

/// <summary>
/// The gRPC methods whose permission each thing a tab does needs, as roles name them in
/// <c>allow_methods</c>: the web app never lets a key do what the API would refuse it.
/// </summary>
public static class ApiMethods
{
    public const string ListNodes = "herd.v1.Catalog/ListNodes";

    /// <summary>The queue per model, as <c>ListModels</c> reports each model's queued jobs.</summary>
    public const string ListModels = "herd.v1.Catalog/ListModels";

    /// <summary>Every key's requests and usage, without their text.</summary>
    public const string GetTotals = "herd.v1.UsageReports/GetTotals";

    /// <summary>Every key's prompts.</summary>
    public const string ListHistory = "herd.v1.UsageReports/ListHistory";

    public const string ListPrompts = "herd.v1.Prompts/ListPrompts";
    public const string GetPrompt = "herd.v1.Prompts/GetPrompt";
    public const string PublishPrompt = "herd.v1.Prompts/PublishPrompt";

    /// <summary>Running a prompt in the lab, as a client calls it.</summary>
    public const string Complete = "herd.v1.Completions/Complete";

    public const string SubmitFeedback = "herd.v1.History/SubmitFeedback";
    public const string ListMine = "herd.v1.History/ListMine";
    public const string SetHistoryOptOut = "herd.v1.Account/SetHistoryOptOut";
    public const string ListKeys = "herd.v1.Keys/ListKeys";
    public const string CreateKey = "herd.v1.Keys/CreateKey";
    public const string RevokeKey = "herd.v1.Keys/RevokeKey";
    public const string LoadModel = "herd.v1.NodeAdmin/LoadModel";
    public const string UnloadModel = "herd.v1.NodeAdmin/UnloadModel";
    public const string SwitchModel = "herd.v1.NodeAdmin/SwitchModel";
}
