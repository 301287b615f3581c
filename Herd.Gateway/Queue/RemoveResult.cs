namespace Herd.Gateway.Queue;

/// <summary>What <see cref="JobQueue.RemoveIfQueuedAsync"/> found.</summary>
/// <param name="NodeId">For a job not queued: the node serving it.</param>
/// <param name="ServerGatewayId">For a job not queued: the gateway linked to that node, where a cancel must go.</param>
/// <param name="Started">For a job not queued: whether its first token was delivered.</param>
public sealed record RemoveResult(RemoveOutcome Outcome, JobState? State, string? NodeId, string? ServerGatewayId, bool Started)
{
    public static RemoveResult Removed { get; } = new(RemoveOutcome.Removed, null, null, null, Started: false);

    public static RemoveResult Unknown { get; } = new(RemoveOutcome.Unknown, null, null, null, Started: false);

    public static RemoveResult NotQueued(JobState state, string nodeId, string serverGatewayId, bool started) =>
        new(RemoveOutcome.NotQueued, state, nodeId, serverGatewayId, started);
}
