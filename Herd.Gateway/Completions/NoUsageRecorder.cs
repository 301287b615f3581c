namespace Herd.Gateway.Completions;

/// <summary>Records nothing: where access control is off there is no ledger.</summary>
public sealed class NoUsageRecorder : IUsageRecorder
{
    public Task OpenAsync(CompletionProgress progress) => Task.CompletedTask;

    public Task CloseAsync(CompletionProgress progress, decimal fee) => Task.CompletedTask;
}
