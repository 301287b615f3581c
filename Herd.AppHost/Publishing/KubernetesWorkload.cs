using k8s.Models;

namespace Herd.AppHost.Publishing;

/// <summary>What a project's Deployment needs beyond what the app model says: its image, its share of the cluster, its volumes.</summary>
/// <param name="Image">The image without its tag (<c>herd/gateway</c>).</param>
/// <param name="Component">Its part in the herd, for the <c>app.kubernetes.io/component</c> label.</param>
/// <param name="Resources">CPU, memory and devices requested and limited.</param>
/// <param name="TerminationGracePeriodSeconds">How long a pod has between SIGTERM and SIGKILL.</param>
/// <param name="StartupSeconds">How long the process may take to answer <c>/alive</c> after it starts.</param>
internal sealed record KubernetesWorkload(
    string Image,
    string Component,
    V1ResourceRequirements Resources,
    long TerminationGracePeriodSeconds,
    int StartupSeconds)
{
    /// <summary>Environment variables the workload adds to the app model's.</summary>
    public IReadOnlyList<V1EnvVar> Environment { get; init; } = [];

    /// <summary>Volumes of the pod, each with where the container mounts it.</summary>
    public IReadOnlyList<(V1Volume Volume, V1VolumeMount Mount)> Volumes { get; init; } = [];

    /// <summary>Pods a voluntary disruption (a node drain, an upgrade) must leave running, or null.</summary>
    public int? MinAvailable { get; init; }

    /// <summary>Pods a voluntary disruption may take at once, or null.</summary>
    public int? MaxUnavailable { get; init; }

    /// <summary>Objects the workload needs in files of their own (the gateway's roles, the node's model volume).</summary>
    public IReadOnlyList<KubernetesFile> Files { get; init; } = [];
}
