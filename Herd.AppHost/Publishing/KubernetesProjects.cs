using k8s.Models;

namespace Herd.AppHost.Publishing;

/// <summary>
/// A project of the app model published: a Deployment with the project's replicas, ports and
/// environment, a Service when another resource dials it or its endpoints are external (the
/// gateway's), and a PodDisruptionBudget. What differs
/// between the gateway and the node (image, resources, volumes, how long a pod may take to stop)
/// comes from its <see cref="KubernetesWorkload"/>; the health probes are Herd's service defaults'
/// <c>/health</c> and <c>/alive</c> on the <c>http</c> endpoint.
/// </summary>
internal static class KubernetesProjects
{
    /// <summary>The tag every Herd image is published with; <c>kustomize edit set image</c> changes it.</summary>
    public const string Tag = "latest";

    /// <summary>The endpoint that serves <c>/health</c> and <c>/alive</c>.</summary>
    private const string HealthEndpoint = "http";

    /// <summary>The workload of a Herd project: the gateway's or the node's.</summary>
    public static async Task<KubernetesWorkload> WorkloadAsync(ProjectResource project, KubernetesContainerSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(project);
        var projectName = Path.GetFileNameWithoutExtension(project.GetProjectMetadata().ProjectPath);
        return projectName switch
        {
            "Herd.Gateway" => await KubernetesGateway.WorkloadAsync(project, cancellationToken),
            "Herd.Node" => KubernetesNode.Workload(project, settings),
            _ => throw new InvalidOperationException($"{project.Name} runs {projectName}, for which Herd has no container image to publish."),
        };
    }

    /// <summary>The project's file (<c>gateway.yaml</c>) and the files of its workload.</summary>
    /// <param name="dialed">Whether another resource reaches the project.</param>
    public static IReadOnlyList<KubernetesFile> Files(ProjectResource project, KubernetesWorkload workload, KubernetesContainerSettings settings, bool dialed)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(workload);
        var objects = new List<object> { Deployment(project, workload, settings) };
        if (dialed || project.Annotations.OfType<EndpointAnnotation>().Any(endpoint => endpoint.IsExternal))
        {
            objects.Add(Service(project, workload.Component));
        }

        objects.Add(DisruptionBudget(project, workload));
        return [new KubernetesFile(project.Name + ".yaml", objects), .. workload.Files];
    }

    private static V1Deployment Deployment(ProjectResource project, KubernetesWorkload workload, KubernetesContainerSettings settings)
    {
        var endpoints = project.Annotations.OfType<EndpointAnnotation>().ToList();
        var health = endpoints.FirstOrDefault(endpoint => string.Equals(endpoint.Name, HealthEndpoint, StringComparison.OrdinalIgnoreCase));
        var container = new V1Container
        {
            Name = project.Name,
            Image = workload.Image + ":" + Tag,
            Ports = [.. endpoints.Select(endpoint => new V1ContainerPort { Name = KubernetesEndpoints.PortName(endpoint), ContainerPort = KubernetesEndpoints.Port(endpoint) })],
            Env = [.. settings.Environment, .. workload.Environment],
            Args = settings.Arguments?.ToList(),
            Resources = workload.Resources,
            VolumeMounts = workload.Volumes.Count > 0 ? [.. workload.Volumes.Select(volume => volume.Mount)] : null,
        };
        if (health is not null)
        {
            // Startup covers loading (a model can take minutes); then /alive restarts a stuck process
            // and /health takes a pod out of its Service while Redis or the ledger is unreachable.
            var port = KubernetesEndpoints.Port(health);
            container.StartupProbe = Probe("/alive", port, periodSeconds: 5, failureThreshold: workload.StartupSeconds / 5);
            container.LivenessProbe = Probe("/alive", port, periodSeconds: 10, failureThreshold: 3);
            container.ReadinessProbe = Probe("/health", port, periodSeconds: 5, failureThreshold: 2);
        }

        return new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = V1Deployment.KubeKind,
            Metadata = KubernetesLabels.Metadata(project.Name, project.Name, workload.Component),
            Spec = new V1DeploymentSpec
            {
                Replicas = project.TryGetLastAnnotation<ReplicaAnnotation>(out var replicas) ? replicas.Replicas : 1,
                Selector = new V1LabelSelector { MatchLabels = KubernetesLabels.Selector(project.Name) },
                Template = new V1PodTemplateSpec
                {
                    Metadata = KubernetesLabels.PodMetadata(project.Name, workload.Component),
                    Spec = new V1PodSpec
                    {
                        Containers = [container],
                        Volumes = workload.Volumes.Count > 0 ? [.. workload.Volumes.Select(volume => volume.Volume)] : null,
                        TerminationGracePeriodSeconds = workload.TerminationGracePeriodSeconds,
                    },
                },
            },
        };
    }

    /// <summary>A ClusterIP Service named like the project, with a port per endpoint; HTTP/2 (gRPC) is marked h2c for gateways and meshes.</summary>
    private static V1Service Service(ProjectResource project, string component) => new()
    {
        ApiVersion = "v1",
        Kind = V1Service.KubeKind,
        Metadata = KubernetesLabels.Metadata(project.Name, project.Name, component),
        Spec = new V1ServiceSpec
        {
            Selector = KubernetesLabels.Selector(project.Name),
            Ports = [.. project.Annotations.OfType<EndpointAnnotation>().Select(endpoint => new V1ServicePort
            {
                Name = KubernetesEndpoints.PortName(endpoint),
                Port = KubernetesEndpoints.Port(endpoint),
                TargetPort = KubernetesEndpoints.PortName(endpoint),
                AppProtocol = endpoint.Transport == "http2" ? "kubernetes.io/h2c" : null,
            })],
        },
    };

    private static V1PodDisruptionBudget DisruptionBudget(ProjectResource project, KubernetesWorkload workload) => new()
    {
        ApiVersion = "policy/v1",
        Kind = V1PodDisruptionBudget.KubeKind,
        Metadata = KubernetesLabels.Metadata(project.Name, project.Name, workload.Component),
        Spec = new V1PodDisruptionBudgetSpec
        {
            Selector = new V1LabelSelector { MatchLabels = KubernetesLabels.Selector(project.Name) },
            MinAvailable = workload.MinAvailable,
            MaxUnavailable = workload.MaxUnavailable,
        },
    };

    private static V1Probe Probe(string path, int port, int periodSeconds, int failureThreshold) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = path, Port = port },
        PeriodSeconds = periodSeconds,
        FailureThreshold = failureThreshold,
    };
}
