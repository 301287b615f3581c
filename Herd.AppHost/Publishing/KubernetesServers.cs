using k8s.Models;

namespace Herd.AppHost.Publishing;

/// <summary>
/// A container of the app model published (Aspire's Redis and PostgreSQL): a one-replica
/// StatefulSet that runs the container as Aspire describes it (image, entrypoint, arguments,
/// environment, ports) with a claim per volume, so the queue and the ledger outlive a restart, and
/// a headless Service named like the resource, so <c>redis:6379</c> and <c>postgres:5432</c> reach it.
/// </summary>
internal static class KubernetesServers
{
    public static KubernetesFile File(ContainerResource server, KubernetesContainerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(settings);
        var (component, storage, readiness) = Kind(server);
        var endpoints = server.Annotations.OfType<EndpointAnnotation>().ToList();
        var volumes = Volumes(server);
        var container = new V1Container
        {
            Name = server.Name,
            Image = server.TryGetContainerImageName(useBuiltImage: false, out var image)
                ? image
                : throw new InvalidOperationException($"{server.Name} is a container without an image."),
            Command = server.Entrypoint is { Length: > 0 } entrypoint ? [entrypoint] : null,
            Args = settings.Arguments?.ToList(),
            Env = [.. settings.Environment],
            Ports = [.. endpoints.Select(endpoint => new V1ContainerPort { Name = KubernetesEndpoints.PortName(endpoint), ContainerPort = KubernetesEndpoints.Port(endpoint) })],
            VolumeMounts = volumes.Count > 0 ? [.. volumes.Select(volume => new V1VolumeMount { Name = volume.Name, MountPath = volume.Target, ReadOnlyProperty = volume.IsReadOnly ? true : null })] : null,
            ReadinessProbe = readiness,
        };
        return new KubernetesFile(server.Name + ".yaml", [StatefulSet(server, component, container, volumes, storage), Service(server, component, endpoints)]);
    }

    /// <summary>The server's part in the herd, the size of its volumes, and how Kubernetes knows it answers.</summary>
    private static (string Component, string Storage, V1Probe? Readiness) Kind(ContainerResource server) => server switch
    {
        RedisResource => ("queue", "1Gi", Exec("redis-cli -a \"$REDIS_PASSWORD\" --no-auth-warning ping | grep -q PONG")),
        PostgresServerResource => ("ledger", "10Gi", Exec("pg_isready -U \"$POSTGRES_USER\"")),
        _ => ("server", "1Gi", null),
    };

    private static V1Probe Exec(string command) => new() { Exec = new V1ExecAction { Command = ["/bin/sh", "-c", command] }, PeriodSeconds = 5 };

    /// <summary>The container's volumes (<c>redis-data</c> at <c>/data</c>); a folder of this machine cannot be published.</summary>
    private static List<(string Name, string Target, bool IsReadOnly)> Volumes(ContainerResource server) =>
        [.. server.Annotations.OfType<ContainerMountAnnotation>().Select((mount, index) => mount.Type == ContainerMountType.Volume
            ? (mount.Source is { Length: > 0 } source ? source.ToLowerInvariant() : $"{server.Name}-volume-{index}", mount.Target, mount.IsReadOnly)
            : throw new InvalidOperationException($"{server.Name} mounts {mount.Source}, a folder of this machine, which a cluster does not have: give it a volume instead."))];

    private static V1StatefulSet StatefulSet(ContainerResource server, string component, V1Container container, List<(string Name, string Target, bool IsReadOnly)> volumes, string storage) => new()
    {
        ApiVersion = "apps/v1",
        Kind = V1StatefulSet.KubeKind,
        Metadata = KubernetesLabels.Metadata(server.Name, server.Name, component),
        Spec = new V1StatefulSetSpec
        {
            ServiceName = server.Name,
            Replicas = 1,
            Selector = new V1LabelSelector { MatchLabels = KubernetesLabels.Selector(server.Name) },
            Template = new V1PodTemplateSpec
            {
                Metadata = KubernetesLabels.PodMetadata(server.Name, component),
                Spec = new V1PodSpec { Containers = [container] },
            },
            VolumeClaimTemplates = volumes.Count > 0
                ? [.. volumes.Select(volume => new V1PersistentVolumeClaim
                {
                    Metadata = new V1ObjectMeta { Name = volume.Name },
                    Spec = new V1PersistentVolumeClaimSpec
                    {
                        AccessModes = ["ReadWriteOnce"],
                        Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(storage) } },
                    },
                })]
                : null,
        },
    };

    // Headless: the one pod's address is the Service's, and a StatefulSet wants a headless governing Service.
    private static V1Service Service(ContainerResource server, string component, List<EndpointAnnotation> endpoints) => new()
    {
        ApiVersion = "v1",
        Kind = V1Service.KubeKind,
        Metadata = KubernetesLabels.Metadata(server.Name, server.Name, component),
        Spec = new V1ServiceSpec
        {
            ClusterIP = "None",
            Selector = KubernetesLabels.Selector(server.Name),
            Ports = [.. endpoints.Select(endpoint => new V1ServicePort
            {
                Name = KubernetesEndpoints.PortName(endpoint),
                Port = KubernetesEndpoints.Port(endpoint),
                TargetPort = KubernetesEndpoints.PortName(endpoint),
            })],
        },
    };
}
