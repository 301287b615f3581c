namespace Herd.Gateway.Queue;

/// <summary>
/// A job whose lease expired after tokens were delivered: it cannot be replayed, so it was
/// removed and its owner must end the client's stream.
/// </summary>
public sealed record FailedJob(string JobId, string OwnerGatewayId, string Model, string NodeId);
