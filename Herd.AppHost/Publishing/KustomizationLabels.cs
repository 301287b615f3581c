namespace Herd.AppHost.Publishing;

/// <summary>Labels kustomize adds to every object of the folder.</summary>
/// <param name="Pairs">The labels.</param>
/// <param name="IncludeSelectors">Whether selectors get them too; no: a Deployment's selector cannot change once applied.</param>
/// <param name="IncludeTemplates">Whether pod templates get them, so the pods carry them as well.</param>
public sealed record KustomizationLabels(IReadOnlyDictionary<string, string> Pairs, bool IncludeSelectors, bool IncludeTemplates);
