namespace Herd.AppHost.Extensions;

/// <summary>Where the gateway writes the herd's first admin key (run mode only); the banner and the "new API key" command read it.</summary>
/// <param name="Path">The key file, absolute.</param>
public sealed record AdminKeyFileAnnotation(string Path) : IResourceAnnotation;
