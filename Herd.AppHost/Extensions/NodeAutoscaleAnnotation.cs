namespace Herd.AppHost.Extensions;

/// <summary>Published, the node pods scale between <paramref name="MinNodes"/> and <paramref name="MaxNodes"/> by the queue of <paramref name="Model"/>.</summary>
/// <param name="QueuedJobsPerNode">the queued jobs per node pod the autoscaler aims at</param>
public sealed record NodeAutoscaleAnnotation(int MinNodes, int MaxNodes, int QueuedJobsPerNode, string Model) : IResourceAnnotation;
