using k8s.Models;

namespace Herd.AppHost.Publishing;

/// <summary>
/// The gateway published: <c>herd/gateway</c>, a disruption budget that keeps one replica up, and
/// the roles file as the ConfigMap <c>herd-roles</c>, mounted as a folder so that an edited
/// ConfigMap reaches the running gateways, which read the file again when it changes; and the
/// prompts file the repository is seeded from as the ConfigMap <c>herd-prompts</c>, read at start.
/// </summary>
internal static class KubernetesGateway
{
    public const string Image = "herd/gateway";

    public const string RolesConfigMap = "herd-roles";

    public const string RolesFolder = "/etc/herd";

    public const string RolesFile = "roles.yaml";

    public const string PromptsConfigMap = "herd-prompts";

    public const string PromptsFolder = "/etc/herd-prompts";

    public const string PromptsFile = "prompts.yaml";

    private const string Component = "gateway";

    public static async Task<KubernetesWorkload> WorkloadAsync(ProjectResource gateway, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        return new KubernetesWorkload(
            Image,
            Component,
            new V1ResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("250m"), ["memory"] = new("256Mi") },
                Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("1Gi") },
            },
            TerminationGracePeriodSeconds: 30,
            StartupSeconds: 60)
        {
            Environment =
            [
                new V1EnvVar { Name = "Herd__Gateway__Access__RolesFile", Value = RolesFolder + "/" + RolesFile },
                new V1EnvVar { Name = "Herd__Gateway__Prompts__SeedFile", Value = PromptsFolder + "/" + PromptsFile },
            ],
            Volumes =
            [
                (new V1Volume { Name = "roles", ConfigMap = new V1ConfigMapVolumeSource { Name = RolesConfigMap } },
                 new V1VolumeMount { Name = "roles", MountPath = RolesFolder, ReadOnlyProperty = true }),
                (new V1Volume { Name = "prompts", ConfigMap = new V1ConfigMapVolumeSource { Name = PromptsConfigMap } },
                 new V1VolumeMount { Name = "prompts", MountPath = PromptsFolder, ReadOnlyProperty = true }),
            ],
            MinAvailable = 1,
            Files =
            [
                new KubernetesFile(gateway.Name + "-roles.yaml", [await ConfigMapAsync(gateway, RolesConfigMap, RolesFile, cancellationToken)]),
                new KubernetesFile(gateway.Name + "-prompts.yaml", [await ConfigMapAsync(gateway, PromptsConfigMap, PromptsFile, cancellationToken)]),
            ],
        };
    }

    /// <summary>A ConfigMap holding one file the gateway project ships (<c>Herd.Gateway/roles.yaml</c>, <c>Herd.Gateway/prompts.yaml</c>).</summary>
    private static async Task<V1ConfigMap> ConfigMapAsync(ProjectResource gateway, string name, string file, CancellationToken cancellationToken)
    {
        var projectFolder = Path.GetDirectoryName(gateway.GetProjectMetadata().ProjectPath)
            ?? throw new InvalidOperationException($"{gateway.Name}'s project path names no folder.");
        return new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = V1ConfigMap.KubeKind,
            Metadata = KubernetesLabels.Metadata(name, gateway.Name, Component),
            Data = new Dictionary<string, string> { [file] = await File.ReadAllTextAsync(Path.Combine(projectFolder, file), cancellationToken) },
        };
    }
}
