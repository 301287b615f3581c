namespace Herd.AppHost.Extensions;

/// <summary>A model folder of this machine that a published node reads at <paramref name="MountPath"/>.</summary>
/// <param name="LocalPath">The folder here.</param>
/// <param name="MountPath">Where the node reads it once deployed.</param>
public sealed record ModelFolderAnnotation(string LocalPath, string MountPath) : IResourceAnnotation;
