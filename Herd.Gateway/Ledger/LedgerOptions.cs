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

    /// <summary>How often an idle ledger writer looks for new records in the outbox.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00", ErrorMessage = "Herd:Gateway:Ledger:OutboxPollInterval must be between 00:00:00.010 and 00:01:00.")]
    public TimeSpan OutboxPollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How many records a ledger writer takes from the outbox at a time.</summary>
    [Range(1, 10_000, ErrorMessage = "Herd:Gateway:Ledger:OutboxBatchSize must be between 1 and 10000.")]
    public int OutboxBatchSize { get; init; } = 200;

    /// <summary>
    /// How long a record may stay read and unacknowledged by one gateway's writer before another
    /// takes it over: that gateway stopped, or cannot reach PostgreSQL.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00", ErrorMessage = "Herd:Gateway:Ledger:OutboxClaimAfter must be between 00:00:00.100 and 01:00:00.")]
    public TimeSpan OutboxClaimAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest a ledger writer waits before trying PostgreSQL again after a failure; it starts at the poll interval and doubles.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00", ErrorMessage = "Herd:Gateway:Ledger:OutboxMaxRetryDelay must be between 00:00:00.010 and 00:05:00.")]
    public TimeSpan OutboxMaxRetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a gateway looks for requests left open by gateways that stopped, and records them.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00", ErrorMessage = "Herd:Gateway:Ledger:AbandonedSweepInterval must be between 00:00:00.100 and 01:00:00.")]
    public TimeSpan AbandonedSweepInterval { get; init; } = TimeSpan.FromSeconds(5);
}
