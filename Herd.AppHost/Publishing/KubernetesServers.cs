using Herd.AppHost.Hosting;
using k8s;
using k8s.Models;

namespace Herd.AppHost.Publishing;

/// <summary>
/// The servers the herd runs for itself, published as one-replica StatefulSets with a volume
/// each (the queue and the ledger survive a restart, as they do locally) and a headless Service
/// named like the resource, so <c>redis:6379</c> and <c>postgres:5432</c> reach them.
/// </summary>
public static class KubernetesServers
{
    public const string PostgresUser = "postgres";

    private const string PostgresData = "/var/lib/postgresql/data";

    /// <summary>The server's port in its container.</summary>
    public static int Port(HerdResource server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return server.Endpoint("Tcp").TargetPort;
    }

    /// <summary>A Redis server with append-only persistence on a 1 GiB volume.</summary>
    public static IReadOnlyList<IKubernetesObject> Redis(HerdResource redis)
    {
        ArgumentNullException.ThrowIfNull(redis);
        var container = new V1Container
        {
            Name = "redis",
            Image = ManifestPublisher.RedisImage,
            Args = ["--appendonly", "yes"],
            Ports = [new V1ContainerPort { Name = "redis", ContainerPort = Port(redis) }],
            VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/data" }],
            ReadinessProbe = new V1Probe { Exec = new V1ExecAction { Command = ["redis-cli", "ping"] }, PeriodSeconds = 5 },
        };
        return [StatefulSet(redis, "queue", container, "1Gi"), Service(redis, "queue", "redis")];
    }

    /// <summary>A PostgreSQL server with scram-sha-256 passwords, its superuser's from the Secret, on a 10 GiB volume.</summary>
    public static IReadOnlyList<IKubernetesObject> Postgres(HerdResource postgres)
    {
        ArgumentNullException.ThrowIfNull(postgres);
        var container = new V1Container
        {
            Name = "postgres",
            Image = ManifestPublisher.PostgresImage,
            Env =
            [
                new V1EnvVar { Name = "POSTGRES_USER", Value = PostgresUser },
                KubernetesSecrets.FromSecret("POSTGRES_PASSWORD", KubernetesSecrets.PasswordSecretName(postgres), KubernetesSecrets.PasswordKey),
                new V1EnvVar { Name = "POSTGRES_HOST_AUTH_METHOD", Value = "scram-sha-256" },
                new V1EnvVar { Name = "POSTGRES_INITDB_ARGS", Value = "--auth-host=scram-sha-256 --auth-local=scram-sha-256" },
                // A folder under the mount: initdb refuses a volume's root, which may hold lost+found.
                new V1EnvVar { Name = "PGDATA", Value = PostgresData + "/pgdata" },
            ],
            Ports = [new V1ContainerPort { Name = "postgres", ContainerPort = Port(postgres) }],
            VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = PostgresData }],
            ReadinessProbe = new V1Probe { Exec = new V1ExecAction { Command = ["pg_isready", "-U", PostgresUser] }, PeriodSeconds = 5 },
        };
        return [StatefulSet(postgres, "ledger", container, "10Gi"), Service(postgres, "ledger", "postgres")];
    }

    private static V1StatefulSet StatefulSet(HerdResource server, string component, V1Container container, string storage) => new()
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
            VolumeClaimTemplates =
            [
                new V1PersistentVolumeClaim
                {
                    Metadata = new V1ObjectMeta { Name = "data" },
                    Spec = new V1PersistentVolumeClaimSpec
                    {
                        AccessModes = ["ReadWriteOnce"],
                        Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(storage) } },
                    },
                },
            ],
        },
    };

    // Headless: the one pod's address is the Service's, and StatefulSets want a headless governing Service.
    private static V1Service Service(HerdResource server, string component, string portName) => new()
    {
        ApiVersion = "v1",
        Kind = V1Service.KubeKind,
        Metadata = KubernetesLabels.Metadata(server.Name, server.Name, component),
        Spec = new V1ServiceSpec
        {
            ClusterIP = "None",
            Selector = KubernetesLabels.Selector(server.Name),
            Ports = [new V1ServicePort { Name = portName, Port = Port(server), TargetPort = portName }],
        },
    };
}
