using Herd.AppHost.Extensions;
using k8s.Models;

namespace Herd.AppHost.Publishing;

/// <summary>
/// The node published: <c>herd/node</c>, or <c>herd/node-cuda</c> with a GPU per pod when the app
/// model runs it on <c>cuda</c>, and a disruption budget that lets one pod go at a time. A model
/// folder (<see cref="ModelFolderAnnotation"/>) becomes the PersistentVolumeClaim <c>node-models</c>,
/// mounted read-only where the model expects it. With <see cref="NodeAutoscaleAnnotation"/> a
/// HorizontalPodAutoscaler scales the pods by the queue (<see cref="KubernetesNodeAutoscaler"/>).
/// Its id is left to its default, the machine name, which in a pod is the pod's name.
/// </summary>
internal static class KubernetesNode
{
    public const string Image = "herd/node";

    public const string CudaImage = "herd/node-cuda";

    /// <summary>What each pod asks of the model volume; an operator sizes it to the model.</summary>
    public const string ModelsStorage = "50Gi";

    /// <summary>A draining node finishes its jobs within Herd:Node:DrainTimeout (30 s); the rest is the margin to stop.</summary>
    public const long TerminationGracePeriodSeconds = 30 + 30;

    private const string Component = "inference";

    public static KubernetesWorkload Workload(ProjectResource node, KubernetesContainerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(settings);
        var cuda = settings.Variable("Herd__Node__Device") == "cuda";
        var folders = MountedFolders(node);
        return new KubernetesWorkload(
            cuda ? CudaImage : Image,
            Component,
            new V1ResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1"), ["memory"] = new("2Gi") },
                Limits = cuda ? new Dictionary<string, ResourceQuantity> { ["nvidia.com/gpu"] = new("1") } : null,
            },
            TerminationGracePeriodSeconds,
            // Loading a large model from the volume takes minutes.
            StartupSeconds: 600)
        {
            Volumes = [.. folders.Select(folder =>
                (new V1Volume { Name = folder.Volume, PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = folder.Claim, ReadOnlyProperty = true } },
                 new V1VolumeMount { Name = folder.Volume, MountPath = folder.MountPath, ReadOnlyProperty = true }))],
            MaxUnavailable = 1,
            Files =
            [
                .. folders.Count > 0 ? [new KubernetesFile(node.Name + "-models.yaml", [.. folders.Select(folder => Claim(node, folder.Claim))])] : Array.Empty<KubernetesFile>(),
                .. node.Annotations.OfType<NodeAutoscaleAnnotation>().Select(autoscale => KubernetesNodeAutoscaler.File(node, autoscale)),
            ],
        };
    }

    /// <summary>A claim the operator fills with the same files as the folder of the publishing machine.</summary>
    private static V1PersistentVolumeClaim Claim(ProjectResource node, string claim) => new()
    {
        ApiVersion = "v1",
        Kind = V1PersistentVolumeClaim.KubeKind,
        Metadata = KubernetesLabels.Metadata(claim, node.Name, Component),
        Spec = new V1PersistentVolumeClaimSpec
        {
            // Every node pod reads the same model files.
            AccessModes = ["ReadOnlyMany"],
            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(ModelsStorage) } },
        },
    };

    // /models of the node is the volume "models" of the claim "node-models".
    private static List<(string Volume, string Claim, string MountPath)> MountedFolders(ProjectResource node) =>
        [.. node.Annotations.OfType<ModelFolderAnnotation>()
            .Select(folder => folder.MountPath)
            .Distinct(StringComparer.Ordinal)
            .Select(mountPath =>
            {
                var volume = Path.GetFileName(mountPath.TrimEnd('/'));
                return (volume, $"{node.Name}-{volume}", mountPath);
            })];
}
