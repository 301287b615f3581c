using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Herd.AppHost.Publishing;

/// <summary>
/// The <c>kustomization.yaml</c> of the published folder, which makes it one unit for
/// <c>kubectl apply -k</c>: the files, the images to retarget with <c>kustomize edit set image</c>,
/// and the label every object of the herd carries. Kustomize's own file, so KubernetesClient has
/// no model for it.
/// </summary>
public sealed record Kustomization
{
    public string ApiVersion { get; init; } = "kustomize.config.k8s.io/v1beta1";

    public string Kind { get; init; } = "Kustomization";

    public required IReadOnlyList<string> Resources { get; init; }

    /// <summary>Labels added to every object; <c>labels</c> is what replaced the deprecated <c>commonLabels</c>.</summary>
    public required IReadOnlyList<KustomizationLabels> Labels { get; init; }

    public required IReadOnlyList<KustomizationImage> Images { get; init; }

    public string ToYaml() =>
        new SerializerBuilder()
            .WithNamingConvention(CamelCaseNamingConvention.Instance)
            .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull)
            .Build()
            .Serialize(this);
}
