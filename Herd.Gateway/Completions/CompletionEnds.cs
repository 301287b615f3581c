using System.Collections.Concurrent;

namespace Herd.Gateway.Completions;

/// <summary>
/// What a completion still has to do once its client has the answer: count its tokens and fee
/// against the key's limits and budget, and send its usage record to the outbox. Done after the
/// response, so that it adds nothing to the client's wait; the gateway waits for the work still
/// running when it shuts down.
/// </summary>
public sealed partial class CompletionEnds(ILogger<CompletionEnds> logger) : IAsyncDisposable
{
    private static readonly TimeSpan ShutdownWait = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<Task, byte> _running = new();

    /// <summary>How many ends are still running.</summary>
    public int Running => _running.Count;

    public void Track(Task work)
    {
        ArgumentNullException.ThrowIfNull(work);
        _running[work] = 0;
        _ = work.ContinueWith(
            finished =>
            {
                _running.TryRemove(finished, out _);
                if (finished.Exception is { } exception)
                {
                    LogFailed(exception.GetBaseException());
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Waits for the ends running now.</summary>
    public Task DrainAsync() => Task.WhenAll(_running.Keys);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await DrainAsync().WaitAsync(ShutdownWait).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogUnfinished(_running.Count, ShutdownWait);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Each failure was logged where it happened.
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Counting a finished completion or recording its usage failed")]
    private partial void LogFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} completions were still being counted or recorded after {Wait} of shutdown; the records of those left open are written as UNAVAILABLE by another gateway")]
    private partial void LogUnfinished(int count, TimeSpan wait);
}
