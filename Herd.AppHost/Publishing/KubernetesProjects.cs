using Herd.AppHost.Hosting;
using k8s;
using k8s.Models;

namespace Herd.AppHost.Publishing;

/// <summary>
/// The Deployment, Service and PodDisruptionBudget of a project of the app model. What differs
/// between the gateway and the node (image, resources, volumes, how long a pod may take to stop)
/// comes in a <see cref="KubernetesWorkload"/>; what they share (ports, environment, health
/// probes on the Http endpoint's <c>/health</c> and <c>/alive</c>) is here.
/// </summary>
public static class KubernetesProjects
{
    /// <summary>The tag every Herd image is published with; <c>kustomize edit set image</c> changes it.</summary>
    public const string Tag = "latest";

    public static V1Deployment Deployment(HerdResource project, AppHostOptions options, KubernetesWorkload workload)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(workload);
        var environment = KubernetesEnvironment.Of(project, options);
        environment.AddRange(workload.Environment);
        var http = project.Endpoint("Http").TargetPort;
        var container = new V1Container
        {
            Name = project.Name,
            Image = workload.Image + ":" + Tag,
            Ports = project.Endpoints.Select(endpoint => new V1ContainerPort { Name = endpoint.Key, ContainerPort = endpoint.TargetPort }).ToList(),
            Env = environment,
            Resources = workload.Resources,
            VolumeMounts = workload.Volumes.Count > 0 ? workload.Volumes.Select(volume => volume.Mount).ToList() : null,
            // Startup covers loading (a model can take minutes); then /alive restarts a stuck process
            // and /health takes a pod out of its Service while Redis or the ledger is unreachable.
            StartupProbe = Probe("/alive", http, periodSeconds: 5, failureThreshold: workload.StartupSeconds / 5),
            LivenessProbe = Probe("/alive", http, periodSeconds: 10, failureThreshold: 3),
            ReadinessProbe = Probe("/health", http, periodSeconds: 5, failureThreshold: 2),
        };
        return new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = V1Deployment.KubeKind,
            Metadata = KubernetesLabels.Metadata(project.Name, project.Name, workload.Component),
            Spec = new V1DeploymentSpec
            {
                Replicas = project.Replicas,
                Selector = new V1LabelSelector { MatchLabels = KubernetesLabels.Selector(project.Name) },
                Template = new V1PodTemplateSpec
                {
                    Metadata = KubernetesLabels.PodMetadata(project.Name, workload.Component),
                    Spec = new V1PodSpec
                    {
                        Containers = [container],
                        Volumes = workload.Volumes.Count > 0 ? workload.Volumes.Select(volume => volume.Volume).ToList() : null,
                        TerminationGracePeriodSeconds = workload.TerminationGracePeriodSeconds,
                    },
                },
            },
        };
    }

    /// <summary>A ClusterIP Service named like the project, with a port per endpoint; gRPC is marked h2c for gateways and meshes.</summary>
    public static V1Service Service(HerdResource project, string component)
    {
        ArgumentNullException.ThrowIfNull(project);
        return new V1Service
        {
            ApiVersion = "v1",
            Kind = V1Service.KubeKind,
            Metadata = KubernetesLabels.Metadata(project.Name, project.Name, component),
            Spec = new V1ServiceSpec
            {
                Selector = KubernetesLabels.Selector(project.Name),
                Ports = project.Endpoints.Select(endpoint => new V1ServicePort
                {
                    Name = endpoint.Key,
                    Port = endpoint.TargetPort,
                    TargetPort = endpoint.Key,
                    AppProtocol = endpoint.Protocols == "Http2" ? "kubernetes.io/h2c" : null,
                }).ToList(),
            },
        };
    }

    /// <summary>How many of the project's pods a voluntary disruption (a node drain, an upgrade) may take at once.</summary>
    /// <param name="minAvailable">Pods that must stay up, or null.</param>
    /// <param name="maxUnavailable">Pods that may be down, or null.</param>
    public static V1PodDisruptionBudget DisruptionBudget(HerdResource project, string component, int? minAvailable, int? maxUnavailable)
    {
        ArgumentNullException.ThrowIfNull(project);
        return new V1PodDisruptionBudget
        {
            ApiVersion = "policy/v1",
            Kind = V1PodDisruptionBudget.KubeKind,
            Metadata = KubernetesLabels.Metadata(project.Name, project.Name, component),
            Spec = new V1PodDisruptionBudgetSpec
            {
                Selector = new V1LabelSelector { MatchLabels = KubernetesLabels.Selector(project.Name) },
                MinAvailable = minAvailable,
                MaxUnavailable = maxUnavailable,
            },
        };
    }

    /// <summary>The objects of a project: the gateway's or the node's.</summary>
    public static IReadOnlyList<IKubernetesObject> Of(HerdResource project, AppHostOptions options) =>
        KubernetesGateway.Is(project) ? KubernetesGateway.Objects(project, options)
        : KubernetesNode.Is(project) ? KubernetesNode.Objects(project, options)
        : throw new InvalidOperationException($"{project.Name} runs {project.ProjectPath}, which the kubernetes publisher has no image for.");

    private static V1Probe Probe(string path, int port, int periodSeconds, int failureThreshold) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = path, Port = port },
        PeriodSeconds = periodSeconds,
        FailureThreshold = failureThreshold,
    };
}
