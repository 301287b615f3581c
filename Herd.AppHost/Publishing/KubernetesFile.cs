namespace Herd.AppHost.Publishing;

/// <summary>One file of the published folder and the Kubernetes objects it holds.</summary>
/// <param name="Name">The file's name (<c>gateway.yaml</c>).</param>
/// <param name="Objects">The objects, written in order as one YAML stream.</param>
internal sealed record KubernetesFile(string Name, IReadOnlyList<object> Objects);
