using Herd.AppHost.Hosting;
using k8s;
using k8s.Models;

namespace Herd.AppHost.Publishing;

/// <summary>
/// The gateway published: a Deployment of <c>herd/gateway</c>, its Service (clients and nodes
/// reach it as <c>gateway:8080</c>), a disruption budget that keeps one replica up, and the roles
/// file as the ConfigMap <c>herd-roles</c>, mounted as a folder so that an edited ConfigMap
/// reaches the running gateways, which read the file again when it changes.
/// </summary>
public static class KubernetesGateway
{
    public const string Image = "herd/gateway";

    public const string RolesConfigMap = "herd-roles";

    public const string RolesFolder = "/etc/herd";

    public const string RolesFile = "roles.yaml";

    private const string Component = "gateway";

    /// <summary>Whether the project is the gateway.</summary>
    public static bool Is(HerdResource project)
    {
        ArgumentNullException.ThrowIfNull(project);
        return Path.GetFileNameWithoutExtension(project.ProjectPath) == "Herd.Gateway";
    }

    public static IReadOnlyList<IKubernetesObject> Objects(HerdResource gateway, AppHostOptions options)
    {
        var workload = new KubernetesWorkload(
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
            Environment = [new V1EnvVar { Name = "Herd__Gateway__Access__RolesFile", Value = RolesFolder + "/" + RolesFile }],
            Volumes =
            [
                (new V1Volume { Name = "roles", ConfigMap = new V1ConfigMapVolumeSource { Name = RolesConfigMap } },
                 new V1VolumeMount { Name = "roles", MountPath = RolesFolder, ReadOnlyProperty = true }),
            ],
        };
        return
        [
            KubernetesProjects.Deployment(gateway, options, workload),
            KubernetesProjects.Service(gateway, Component),
            KubernetesProjects.DisruptionBudget(gateway, Component, minAvailable: 1, maxUnavailable: null),
        ];
    }

    /// <summary>The ConfigMap with the roles file the gateway project ships (<c>Herd.Gateway/roles.yaml</c>).</summary>
    public static async Task<V1ConfigMap> RolesAsync(HerdResource gateway)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        var path = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(gateway.ProjectPath))!, RolesFile);
        return new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = V1ConfigMap.KubeKind,
            Metadata = KubernetesLabels.Metadata(RolesConfigMap, gateway.Name, Component),
            Data = new Dictionary<string, string> { [RolesFile] = await File.ReadAllTextAsync(path) },
        };
    }
}
