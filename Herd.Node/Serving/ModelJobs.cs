namespace Herd.Node.Serving;

/// <summary>
/// The jobs running on one loaded model, so that unloading it can stop new ones, wait for those
/// running, and end the ones that outlast the wait.
/// </summary>
internal sealed class ModelJobs : IDisposable
{
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _unloading = new();
    private TaskCompletionSource _idle = Idle();
    private int _running;
    private bool _closed;

    /// <summary>Fires when the model is being unloaded and its remaining jobs must end.</summary>
    public CancellationToken Unloading => _unloading.Token;

    public int Running
    {
        get
        {
            lock (_lock)
            {
                return _running;
            }
        }
    }

    /// <returns>false once the model is closing: the job must go elsewhere</returns>
    public bool TryEnter()
    {
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }

            if (_running++ == 0)
            {
                _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            return true;
        }
    }

    public void Exit()
    {
        lock (_lock)
        {
            if (--_running == 0)
            {
                _idle.TrySetResult();
            }
        }
    }

    /// <summary>Takes no new job; completes when none runs, or after <paramref name="timeout"/>.</summary>
    /// <returns>true when no job runs</returns>
    public async Task<bool> CloseAsync(TimeSpan timeout)
    {
        Task idle;
        lock (_lock)
        {
            _closed = true;
            idle = _idle.Task;
        }

        try
        {
            await idle.WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Ends the jobs still running (they fail UNAVAILABLE) and waits up to <paramref name="timeout"/> for them.</summary>
    public async Task EndRemainingAsync(TimeSpan timeout)
    {
        await _unloading.CancelAsync();
        await CloseAsync(timeout);
    }

    public void Dispose() => _unloading.Dispose();

    private static TaskCompletionSource Idle()
    {
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        idle.SetResult();
        return idle;
    }
}
