namespace Herd.Gateway.Nodes.Links;

/// <summary>
/// The link to the node running a job dropped before the job ended. The job's reader ends with
/// it, so the caller can re-queue the job (nothing streamed yet) or fail it.
/// </summary>
public sealed class NodeLinkLostException : Exception
{
    public NodeLinkLostException(string nodeId, string jobId, string reason)
        : base($"The link to node {nodeId} was lost while it ran job {jobId}: {reason}")
    {
        NodeId = nodeId;
        JobId = jobId;
    }

    public NodeLinkLostException()
    {
        NodeId = "";
        JobId = "";
    }

    public NodeLinkLostException(string message)
        : base(message)
    {
        NodeId = "";
        JobId = "";
    }

    public NodeLinkLostException(string message, Exception innerException)
        : base(message, innerException)
    {
        NodeId = "";
        JobId = "";
    }

    public string NodeId { get; }

    public string JobId { get; }
}
