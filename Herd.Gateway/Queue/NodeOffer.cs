namespace Herd.Gateway.Queue;

/// <summary>
/// A node linked to a job's owner gateway, with a free slot there, offered to the job as it
/// arrives (<see cref="JobQueue.EnqueueOnNodeAsync"/>).
/// </summary>
/// <param name="Group">The node's group: the job's node group patterns must admit it.</param>
/// <param name="Slots">The node's slots: the jobs every gateway assigned to it count against them.</param>
/// <param name="Models">The models the node serves: a waiting job of any of them that goes first keeps the slot.</param>
public sealed record NodeOffer(string NodeId, string Group, int Slots, IReadOnlyCollection<string> Models)
{
    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(NodeId, nameof(NodeId));
        ArgumentException.ThrowIfNullOrWhiteSpace(Group, nameof(Group));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Slots, nameof(Slots));
        ArgumentNullException.ThrowIfNull(Models, nameof(Models));
        if (Models.Count == 0 || Models.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException($"Node {NodeId} is offered with no model or an empty model name.", nameof(Models));
        }
    }
}
