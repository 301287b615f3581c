using Herd.Gateway.Ledger.EntityConfigurations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Herd.Gateway.Ledger;

/// <summary>
/// The ledger database in PostgreSQL: API keys, one usage record per request, the text of
/// requests whose key keeps history, feedback, and the prompt repository's versions. Its schema changes only by migrations
/// (<c>Ledger/Migrations</c>), applied by <see cref="LedgerMigrator"/>.
/// </summary>
public sealed class LedgerDbContext(DbContextOptions<LedgerDbContext> options) : DbContext(options)
{
    public DbSet<ApiKeyRecord> ApiKeys => Set<ApiKeyRecord>();

    public DbSet<UsageRecord> Usage => Set<UsageRecord>();

    public DbSet<HistoryEntry> History => Set<HistoryEntry>();

    public DbSet<Feedback> Feedback => Set<Feedback>();

    public DbSet<PromptVersionRecord> PromptVersions => Set<PromptVersionRecord>();

    public DbSet<ExpertRecord> Experts => Set<ExpertRecord>();

    /// <summary>The provider settings every ledger context uses, at run time and at design time alike.</summary>
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options
            .UseNpgsql(connectionString)
            // Every statement at Information would drown the gateway's log, and a failed command or
            // connection reaches the caller, which says what it was doing (the migrator's first look
            // at a new database fails by design); Debug shows them on demand.
            .ConfigureWarnings(warnings => warnings.Log(
                (RelationalEventId.CommandExecuted, LogLevel.Debug),
                (RelationalEventId.CommandError, LogLevel.Debug),
                (RelationalEventId.ConnectionError, LogLevel.Debug)));
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.ApplyConfiguration(new ApiKeyRecordConfiguration());
        modelBuilder.ApplyConfiguration(new UsageRecordConfiguration());
        modelBuilder.ApplyConfiguration(new HistoryEntryConfiguration());
        modelBuilder.ApplyConfiguration(new FeedbackConfiguration());
        modelBuilder.ApplyConfiguration(new PromptVersionRecordConfiguration());
        modelBuilder.ApplyConfiguration(new ExpertRecordConfiguration());
        SnakeCaseNames.Apply(modelBuilder);
    }
}
