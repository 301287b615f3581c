using Herd.Gateway.Completions;
using Herd.Gateway.Failures;

namespace Herd.Tests.Gateway.Completions;

/// <summary>
/// Keeps what the runner asks to record, as it stood at each call: the jobs opened at admission
/// and the records closed at the end, so that a test reads what the ledger would have been sent.
/// </summary>
internal sealed class RecordingUsageRecorder : IUsageRecorder
{
    private readonly Lock _lock = new();
    private readonly List<string> _opened = [];
    private readonly List<ClosedRecord> _closed = [];

    /// <summary>The job ids opened, in order.</summary>
    public IReadOnlyList<string> Opened
    {
        get
        {
            lock (_lock)
            {
                return [.. _opened];
            }
        }
    }

    /// <summary>The records closed, in order.</summary>
    public IReadOnlyList<ClosedRecord> Closed
    {
        get
        {
            lock (_lock)
            {
                return [.. _closed];
            }
        }
    }

    public Task OpenAsync(CompletionProgress progress)
    {
        lock (_lock)
        {
            _opened.Add(progress.JobId);
        }

        return Task.CompletedTask;
    }

    public Task CloseAsync(CompletionProgress progress, decimal fee)
    {
        var record = new ClosedRecord(
            progress.JobId,
            progress.OutcomeName,
            progress.Failure?.Kind,
            progress.Assigned?.NodeId,
            progress.ChargedPromptTokens,
            progress.ChargedCompletionTokens,
            fee);
        lock (_lock)
        {
            _closed.Add(record);
        }

        return Task.CompletedTask;
    }

    /// <summary>One closed record: how the request ended and what it is charged.</summary>
    public sealed record ClosedRecord(
        string JobId, string OutcomeName, FailureKind? FailureKind, string? NodeId, int PromptTokens, int CompletionTokens, decimal Fee);
}
