using System.ComponentModel.DataAnnotations;

namespace Herd.Gateway.Ledger;

/// <summary>The ledger's settings, bound from the <c>Herd:Gateway:Ledger</c> section.</summary>
public sealed record LedgerOptions
{
    public const string Section = "Herd:Gateway:Ledger";

    /// <summary>
    /// Whether the gateway brings the ledger's schema up to date when it starts. Turn it off where
    /// a deployment step runs <c>Herd.Gateway migrate</c> instead, or the database user may not change the schema.
    /// </summary>
    public bool MigrateOnStart { get; init; } = true;

    /// <summary>How long the gateway waits before it tries again to reach a PostgreSQL that is not up yet.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00", ErrorMessage = "Herd:Gateway:Ledger:MigrateRetryDelay must be between 00:00:00.010 and 00:05:00.")]
    public TimeSpan MigrateRetryDelay { get; init; } = TimeSpan.FromSeconds(2);
}
