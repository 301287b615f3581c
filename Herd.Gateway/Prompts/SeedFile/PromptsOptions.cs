namespace Herd.Gateway.Prompts.SeedFile;

/// <summary>Where the prompt repository is seeded from, bound from <c>Herd:Gateway:Prompts</c> (<c>Herd__Gateway__Prompts__SeedFile</c>).</summary>
public sealed record PromptsOptions
{
    public const string Section = "Herd:Gateway:Prompts";

    /// <summary>
    /// The prompts file the gateway publishes at start, each version it does not hold yet. Empty:
    /// none. A relative path is looked for under the content root, then beside the gateway's
    /// assembly, where the default file (example prompts for herd-tiny) is shipped.
    /// </summary>
    public string SeedFile { get; init; } = "prompts.yaml";

    /// <summary>The full path of <see cref="SeedFile"/> for a gateway with this content root; null when none is set.</summary>
    public string? ResolveSeedFile(string contentRootPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(contentRootPath);
        if (string.IsNullOrWhiteSpace(SeedFile))
        {
            return null;
        }

        if (Path.IsPathFullyQualified(SeedFile))
        {
            return SeedFile;
        }

        var underContentRoot = Path.GetFullPath(SeedFile, contentRootPath);
        var besideAssembly = Path.GetFullPath(SeedFile, AppContext.BaseDirectory);
        return File.Exists(underContentRoot) || !File.Exists(besideAssembly) ? underContentRoot : besideAssembly;
    }
}
