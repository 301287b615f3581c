namespace Herd.AppHost.Publishing;

/// <summary>An image kustomize replaces in every object (<c>kustomize edit set image herd/gateway=registry.example.com/herd/gateway:1.2</c>).</summary>
/// <param name="Name">The image as the objects name it.</param>
/// <param name="NewName">The image to run instead.</param>
/// <param name="NewTag">The tag to run.</param>
public sealed record KustomizationImage(string Name, string NewName, string NewTag);
