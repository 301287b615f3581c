namespace Herd.Gateway.Queue;

public enum RemoveOutcome
{
    /// <summary>The job was waiting and is gone now.</summary>
    Removed,

    /// <summary>A node holds the job; its serving gateway must cancel it there.</summary>
    NotQueued,

    /// <summary>The queue knows no such job: it completed, failed or was never enqueued.</summary>
    Unknown,
}
