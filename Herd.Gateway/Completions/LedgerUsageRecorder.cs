using Herd.Gateway.Ledger.Outbox;

namespace Herd.Gateway.Completions;

/// <summary>Records each completion through the usage outbox, which the ledger writer empties into PostgreSQL.</summary>
/// <param name="gatewayId">This gateway's id, kept in each record.</param>
public sealed class LedgerUsageRecorder(UsageOutbox outbox, string gatewayId) : IUsageRecorder
{
    public Task OpenAsync(CompletionProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        return progress.Caller is null ? Task.CompletedTask : outbox.OpenAsync(UsageEntries.Open(progress, gatewayId));
    }

    public Task CloseAsync(CompletionProgress progress, decimal fee)
    {
        ArgumentNullException.ThrowIfNull(progress);
        return progress.Caller is null ? Task.CompletedTask : outbox.CloseAsync(UsageEntries.Ended(progress, gatewayId, fee));
    }
}
