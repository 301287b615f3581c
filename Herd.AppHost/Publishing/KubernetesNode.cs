using Herd.AppHost.Hosting;
using k8s;
using k8s.Models;

namespace Herd.AppHost.Publishing;

/// <summary>
/// The node published: a Deployment of <c>herd/node</c> (<c>herd/node-cuda</c> with a GPU per pod
/// for <c>--device cuda</c>) and a disruption budget that lets one pod go at a time. A model
/// folder becomes the PersistentVolumeClaim <c>node-models</c>, mounted read-only where the
/// model expects it. The node needs no Service: it dials the gateways, and no one dials it.
/// Its id is left to its default, the machine name, which in a pod is the pod's name.
/// </summary>
public static class KubernetesNode
{
    public const string Image = "herd/node";

    public const string CudaImage = "herd/node-cuda";

    /// <summary>What each pod asks of the model volume; an operator sizes it to the model.</summary>
    public const string ModelsStorage = "50Gi";

    /// <summary>A draining node finishes its jobs within Herd:Node:DrainTimeout (30 s); the rest is the margin to stop.</summary>
    public const long TerminationGracePeriodSeconds = 30 + 30;

    private const string Component = "inference";

    /// <summary>Whether the project is the node.</summary>
    public static bool Is(HerdResource project)
    {
        ArgumentNullException.ThrowIfNull(project);
        return Path.GetFileNameWithoutExtension(project.ProjectPath) == "Herd.Node";
    }

    public static IReadOnlyList<IKubernetesObject> Objects(HerdResource node, AppHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(options);
        var cuda = options.Device == "cuda";
        var limits = new Dictionary<string, ResourceQuantity>();
        if (cuda)
        {
            limits["nvidia.com/gpu"] = new("1");
        }

        var workload = new KubernetesWorkload(
            cuda ? CudaImage : Image,
            Component,
            new V1ResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1"), ["memory"] = new("2Gi") },
                Limits = limits.Count > 0 ? limits : null,
            },
            TerminationGracePeriodSeconds,
            // Loading a large model from the volume takes minutes.
            StartupSeconds: 600)
        {
            Volumes = MountedFolders(node).Select(folder =>
                (new V1Volume { Name = folder.Volume, PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = folder.Claim, ReadOnlyProperty = true } },
                 new V1VolumeMount { Name = folder.Volume, MountPath = folder.MountPath, ReadOnlyProperty = true })).ToList(),
        };
        return
        [
            KubernetesProjects.Deployment(node, options, workload),
            KubernetesProjects.DisruptionBudget(node, Component, minAvailable: null, maxUnavailable: 1),
        ];
    }

    /// <summary>A claim per folder of this machine the node reads (its model), for the operator to fill with the same files.</summary>
    public static IReadOnlyList<V1PersistentVolumeClaim> Claims(HerdResource node) =>
        MountedFolders(node).Select(folder => new V1PersistentVolumeClaim
        {
            ApiVersion = "v1",
            Kind = V1PersistentVolumeClaim.KubeKind,
            Metadata = KubernetesLabels.Metadata(folder.Claim, node.Name, Component),
            Spec = new V1PersistentVolumeClaimSpec
            {
                // Every node pod reads the same model files.
                AccessModes = ["ReadOnlyMany"],
                Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(ModelsStorage) } },
            },
        }).ToList();

    // /models of the node is the volume "models" of the claim "node-models".
    private static IEnumerable<(string Volume, string Claim, string MountPath)> MountedFolders(HerdResource node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.Environment.Values.OfType<EnvironmentValue.MountedFolder>()
            .Select(folder => folder.MountPath)
            .Distinct(StringComparer.Ordinal)
            .Select(mountPath =>
            {
                var volume = Path.GetFileName(mountPath.TrimEnd('/'));
                return (volume, $"{node.Name}-{volume}", mountPath);
            });
    }
}
