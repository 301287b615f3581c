using k8s.Models;

namespace Herd.AppHost.Publishing;

/// <summary>
/// The recommended <c>app.kubernetes.io</c> labels of the published objects. Selectors use the
/// name alone, so that a label added later (a version, a team) never orphans running pods.
/// </summary>
public static class KubernetesLabels
{
    public const string Name = "app.kubernetes.io/name";

    public const string Component = "app.kubernetes.io/component";

    public const string PartOf = "app.kubernetes.io/part-of";

    /// <summary>The labels that select the pods of one resource.</summary>
    public static Dictionary<string, string> Selector(string name) => new() { [Name] = name };

    /// <summary>The labels of an object of one resource, with its part in the herd (<c>gateway</c>, <c>queue</c>, ...).</summary>
    public static Dictionary<string, string> Of(string resource, string component) =>
        new() { [Name] = resource, [Component] = component };

    /// <summary>Metadata of a named object of one resource.</summary>
    public static V1ObjectMeta Metadata(string objectName, string resource, string component) =>
        new() { Name = objectName, Labels = Of(resource, component) };

    /// <summary>Metadata of a pod template of one resource: labels only, the pods are named by their owner.</summary>
    public static V1ObjectMeta PodMetadata(string resource, string component) => new() { Labels = Of(resource, component) };
}
