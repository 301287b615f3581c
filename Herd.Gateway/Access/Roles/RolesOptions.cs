using System.ComponentModel.DataAnnotations;

namespace Herd.Gateway.Access.Roles;

/// <summary>Where the roles are read from, bound from the <c>Herd:Gateway:Access</c> section (<c>Herd__Gateway__Access__RolesFile</c>).</summary>
public sealed record RolesOptions
{
    public const string Section = "Herd:Gateway:Access";

    /// <summary>
    /// The roles file. A relative path is looked for under the content root (the folder the
    /// gateway runs in), then beside the gateway's assembly, where the default file is shipped.
    /// </summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Herd:Gateway:Access:RolesFile must name the roles file, for example roles.yaml.")]
    public string RolesFile { get; init; } = "roles.yaml";

    /// <summary>The full path of <see cref="RolesFile"/> for a gateway with this content root.</summary>
    public string ResolveRolesFile(string contentRootPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(contentRootPath);
        if (Path.IsPathFullyQualified(RolesFile))
        {
            return RolesFile;
        }

        var underContentRoot = Path.GetFullPath(RolesFile, contentRootPath);
        var besideAssembly = Path.GetFullPath(RolesFile, AppContext.BaseDirectory);
        // Missing from both: name the content root's path, where an operator would put it.
        return File.Exists(underContentRoot) || !File.Exists(besideAssembly) ? underContentRoot : besideAssembly;
    }
}
