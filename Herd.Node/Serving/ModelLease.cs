namespace Herd.Node.Serving;

/// <summary>A job's hold on a loaded model: the model stays loaded until the lease is disposed, or until unloading ends the job.</summary>
public sealed class ModelLease : IDisposable
{
    private readonly ModelJobs _jobs;
    private int _disposed;

    internal ModelLease(ServedModel model, ModelJobs jobs)
    {
        Model = model;
        _jobs = jobs;
        // Taken now: the token stays readable after the model is freed, its source does not.
        Unloading = jobs.Unloading;
    }

    public ServedModel Model { get; }

    /// <summary>Fires when the model is being unloaded and this job must end (it fails UNAVAILABLE).</summary>
    public CancellationToken Unloading { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _jobs.Exit();
        }
    }
}
