using System.Diagnostics;

namespace Herd.Node.Link;

/// <summary>
/// What the node is doing across all its gateway links: jobs running, tokens generated, and
/// whether it is draining. Heartbeats report it; shutdown waits on it.
/// </summary>
public sealed class NodeActivity : IDisposable
{
    private readonly CancellationTokenSource _draining = new();
    private readonly CancellationTokenSource _abandoned = new();
    private readonly Lock _lock = new();
    private TaskCompletionSource _idle = NewIdle(completed: true);
    private int _runningJobs;
    private long _tokensGenerated;

    /// <summary>Jobs accepted from any gateway that have not ended.</summary>
    public int RunningJobs => Volatile.Read(ref _runningJobs);

    /// <summary>Tokens generated since the node started.</summary>
    public long TokensGenerated => Interlocked.Read(ref _tokensGenerated);

    /// <summary>The node is shutting down: it finishes what it runs and takes nothing new.</summary>
    public bool IsDraining => _draining.IsCancellationRequested;

    /// <summary>Cancelled when the node begins to drain.</summary>
    public CancellationToken Draining => _draining.Token;

    /// <summary>Cancelled when the drain timeout has passed and running jobs must end now.</summary>
    public CancellationToken Abandoned => _abandoned.Token;

    public void BeginDrain() => _draining.Cancel();

    public void AbandonJobs() => _abandoned.Cancel();

    public void JobStarted()
    {
        lock (_lock)
        {
            if (_runningJobs++ == 0)
            {
                _idle = NewIdle(completed: false);
            }
        }
    }

    public void JobEnded()
    {
        lock (_lock)
        {
            if (--_runningJobs == 0)
            {
                _idle.TrySetResult();
            }
        }
    }

    public void AddTokens(int count) => Interlocked.Add(ref _tokensGenerated, count);

    /// <summary>Completes when no job runs.</summary>
    public Task WaitForIdleAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return _idle.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Tokens per second since the previous <paramref name="sample"/>; updates it.</summary>
    public double DecodeRate(ref (long Tokens, long Timestamp) sample)
    {
        var now = Stopwatch.GetTimestamp();
        var tokens = TokensGenerated;
        var seconds = Stopwatch.GetElapsedTime(sample.Timestamp, now).TotalSeconds;
        var rate = sample.Timestamp == 0 || seconds <= 0 ? 0 : (tokens - sample.Tokens) / seconds;
        sample = (tokens, now);
        return rate;
    }

    public void Dispose()
    {
        _draining.Dispose();
        _abandoned.Dispose();
    }

    private static TaskCompletionSource NewIdle(bool completed)
    {
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed)
        {
            idle.SetResult();
        }

        return idle;
    }
}
