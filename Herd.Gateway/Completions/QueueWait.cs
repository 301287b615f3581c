namespace Herd.Gateway.Completions;

/// <summary>
/// The waits that apply to a job until a node takes it: the queue's maximum wait, counted from
/// when the job was first queued, and before it its model's fallback wait, if it has one.
/// <see cref="Token"/> is cancelled when the next of them runs out.
/// </summary>
internal sealed class QueueWait : IDisposable
{
    private readonly CancellationTokenSource _maxWait;
    private readonly CancellationTokenSource? _fallbackWait;
    private ModelFallback? _fallback;

    /// <param name="cancellationToken">The client's call: cancelling it cancels every wait.</param>
    public QueueWait(TimeSpan maxWait, ModelFallback? fallback, CancellationToken cancellationToken)
    {
        _maxWait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _maxWait.CancelAfter(maxWait);
        if (fallback is not null)
        {
            _fallback = fallback;
            _fallbackWait = CancellationTokenSource.CreateLinkedTokenSource(_maxWait.Token);
            _fallbackWait.CancelAfter(fallback.After);
        }
    }

    /// <summary>Cancelled when the fallback wait (while the job has not moved) or the maximum wait runs out.</summary>
    public CancellationToken Token => _fallback is not null && _fallbackWait is not null ? _fallbackWait.Token : _maxWait.Token;

    /// <summary>The fallback, once, when its wait ran out before the maximum wait; null otherwise.</summary>
    public ModelFallback? TakeDueFallback()
    {
        if (_fallback is not { } due || _fallbackWait is not { IsCancellationRequested: true } || _maxWait.IsCancellationRequested)
        {
            return null;
        }

        _fallback = null;
        return due;
    }

    public void Dispose()
    {
        _fallbackWait?.Dispose();
        _maxWait.Dispose();
    }
}
