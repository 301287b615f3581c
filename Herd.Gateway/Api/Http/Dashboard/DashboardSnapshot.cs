namespace Herd.Gateway.Api.Http.Dashboard;

/// <summary>What the page polls for every two seconds: the herd as it is now.</summary>
/// <param name="Viewer">The key id and role the page is signed in with, and whether it sees prompts.</param>
public sealed record DashboardSnapshot(
    DateTimeOffset TakenAt,
    ViewerView Viewer,
    IReadOnlyList<NodeView> Nodes,
    IReadOnlyList<QueueView> Queue,
    IReadOnlyList<RequestView> Requests);
