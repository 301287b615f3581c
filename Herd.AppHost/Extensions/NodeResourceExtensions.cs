namespace Herd.AppHost.Extensions;

/// <summary>Herd's settings on the node resource.</summary>
public static class NodeResourceExtensions
{
    /// <summary>Where a published node finds a model folder: the operator mounts the same files there (see docs/deployment.md).</summary>
    public const string PublishedModelFolder = "/models";

    /// <summary>
    /// The model the nodes serve (<c>Herd__Node__Model</c>): a built-in name as it is; a folder of
    /// this machine as it is when the herd runs here, and as <see cref="PublishedModelFolder"/>,
    /// noted in a <see cref="ModelFolderAnnotation"/>, when it is published.
    /// </summary>
    /// <param name="node">the node resource</param>
    /// <param name="model">a built-in model's name, or a folder of this machine</param>
    /// <param name="isFolder">whether <paramref name="model"/> is a folder</param>
    public static IResourceBuilder<ProjectResource> WithModel(this IResourceBuilder<ProjectResource> node, string model, bool isFolder)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(model);
        if (!isFolder || node.ApplicationBuilder.ExecutionContext.IsRunMode)
        {
            return node.WithEnvironment("Herd__Node__Model", model);
        }

        return node
            .WithAnnotation(new ModelFolderAnnotation(model, PublishedModelFolder))
            .WithEnvironment("Herd__Node__Model", PublishedModelFolder);
    }

    /// <summary>
    /// Each replica's node id is its instance name, the one the Aspire dashboard shows
    /// (<c>node-x7k2m9</c>), so that gateways, the dashboard and telemetry name a node alike.
    /// Published, a pod's node id is its name (the node's default, the machine name).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithReplicaNodeIds(this IResourceBuilder<ProjectResource> node)
    {
        ArgumentNullException.ThrowIfNull(node);
        // DCP fills the template in per replica, as it does for OTEL_RESOURCE_ATTRIBUTES.
        return node.ApplicationBuilder.ExecutionContext.IsRunMode
            ? node.WithEnvironment("Herd__Node__NodeId", "{{- .Name -}}")
            : node;
    }
}
