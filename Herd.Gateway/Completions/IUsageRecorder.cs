namespace Herd.Gateway.Completions;

/// <summary>
/// Records each completion in the usage ledger: <see cref="LedgerUsageRecorder"/> where access
/// control is on, <see cref="NoUsageRecorder"/> where it is off (there are no keys to record for).
/// </summary>
public interface IUsageRecorder
{
    /// <summary>Notes the request as open when it is admitted, so that a record exists for every job a node may serve.</summary>
    Task OpenAsync(CompletionProgress progress);

    /// <summary>Closes the request's record with what it used and how it ended.</summary>
    Task CloseAsync(CompletionProgress progress, decimal fee);
}
