using Herd.Gateway.Health;
using Microsoft.EntityFrameworkCore;

namespace Herd.Gateway.Ledger;

/// <summary>
/// Ready only while the ledger's PostgreSQL answers <c>SELECT 1</c>: with access control on, the
/// gateway checks keys against it. The query runs on a pooled connection, so a probe costs one round trip.
/// </summary>
public sealed class LedgerHealthCheck(IDbContextFactory<LedgerDbContext> contexts, TimeProvider time) : CachedHealthCheck(time)
{
    public const string Name = "ledger";

    protected override string Dependency => "The ledger's PostgreSQL";

    protected override async Task PingAsync(CancellationToken cancellationToken)
    {
        // Opening a pooled connection alone proves nothing: an idle one opens without a round trip.
        var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (context.ConfigureAwait(false))
        {
            await context.Database.ExecuteSqlRawAsync("SELECT 1", cancellationToken).ConfigureAwait(false);
        }
    }

    protected override bool IsUnreachable(Exception exception) => LedgerMigrator.IsUnreachable(exception);
}
