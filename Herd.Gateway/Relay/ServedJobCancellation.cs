using Herd.Contracts.V1;

namespace Herd.Gateway.Relay;

/// <summary>Stops a job that a node linked to this gateway is serving, when its owner gateway asks.</summary>
public delegate ValueTask ServedJobCancellation(Cancel cancel);
