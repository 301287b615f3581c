namespace Herd.AppHost.Lifecycle;

/// <summary>The herd's processes in the order they stop: a resource stops before every resource it waits for.</summary>
internal static class StopOrder
{
    // Aspire's own dashboard, an executable of the model too, stays until Aspire stops it.
    private const string DashboardResourceName = "aspire-dashboard";

    /// <summary>Groups of resources that may stop together, first group first.</summary>
    public static IReadOnlyList<IReadOnlyList<IResource>> Stages(IEnumerable<IResource> resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        var remaining = resources
            .Where(resource => resource is ProjectResource or ExecutableResource && resource.Name != DashboardResourceName)
            .ToHashSet();
        var waitsFor = remaining.ToDictionary(resource => resource, WaitedFor);
        var stages = new List<IReadOnlyList<IResource>>();
        while (remaining.Count > 0)
        {
            // Nothing still running waits for these.
            var stage = remaining.Where(resource => !remaining.Any(other => waitsFor[other].Contains(resource))).ToList();
            if (stage.Count == 0)
            {
                // A cycle of waits (Aspire refuses those at start); stop what is left together.
                stage = [.. remaining];
            }

            stages.Add(stage);
            remaining.ExceptWith(stage);
        }

        return stages;
    }

    /// <summary>The processes a resource waits for; waiting for a database is waiting for its server.</summary>
    private static HashSet<IResource> WaitedFor(IResource resource)
    {
        var waited = new HashSet<IResource>();
        foreach (var wait in resource.Annotations.OfType<WaitAnnotation>())
        {
            for (IResource? target = wait.Resource; target is not null; target = (target as IResourceWithParent)?.Parent)
            {
                waited.Add(target);
            }
        }

        return waited;
    }
}
