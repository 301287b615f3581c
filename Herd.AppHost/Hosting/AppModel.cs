namespace Herd.AppHost.Hosting;

/// <summary>The resources of the herd in the order they start; they stop in reverse.</summary>
public sealed class AppModel
{
    public List<ProjectResource> Resources { get; } = [];
}
