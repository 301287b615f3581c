namespace Herd.Gateway.Nodes.Demand;

/// <summary>The jobs waiting for one model: how many, and how long the oldest has waited.</summary>
public sealed record ModelDemand(string Model, long Waiting, TimeSpan OldestWait);
