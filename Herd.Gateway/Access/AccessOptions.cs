using System.ComponentModel.DataAnnotations;

namespace Herd.Gateway.Access;

/// <summary>Whether and how client calls are authenticated, bound from the <c>Herd:Gateway:Access</c> section.</summary>
public sealed record AccessOptions
{
    public const string Section = "Herd:Gateway:Access";

    /// <summary>
    /// True (the default): every client call needs an API key, and roles, limits, fees and the
    /// usage ledger apply. False turns all of them off, and the gateway needs no PostgreSQL: only
    /// for a herd that nobody but its operator can reach.
    /// </summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// How long a verified key is trusted before the ledger is asked again; also how long a
    /// revocation made on another gateway replica may take to reach this one.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "Herd:Gateway:Access:KeyCacheTtl must be between 00:00:00 and 01:00:00.")]
    public TimeSpan KeyCacheTtl { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// While the ledger's PostgreSQL is unreachable, a key verified before keeps working for this
    /// long after its last verification, so serving goes on through a database outage.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00", ErrorMessage = "Herd:Gateway:Access:KeyStaleLimit must be between 00:00:00 and 7.00:00:00.")]
    public TimeSpan KeyStaleLimit { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// A file to hold a first admin key. When set and the file does not exist, the gateway creates
    /// an admin key at start and writes its secret there (readable by its owner only); when the
    /// file exists, nothing happens. The app host sets it to <c>.herd/admin.key</c>.
    /// </summary>
    public string? BootstrapKeyFile { get; init; }

    /// <summary>The role of the bootstrap key.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Herd:Gateway:Access:BootstrapRole must name a role of the roles file, for example admin.")]
    public string BootstrapRole { get; init; } = "admin";
}
