namespace Herd.Gateway.Queue;

public enum JobState
{
    /// <summary>Waiting in its model's queue.</summary>
    Queued,

    /// <summary>Taken by a node and leased.</summary>
    Assigned,
}
