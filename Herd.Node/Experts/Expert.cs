namespace Herd.Node.Experts;

/// <summary>An expert ready to route to: its adapter and its centroid, in the routing embedding's space.</summary>
public sealed record Expert(string Name, string Adapter, float[] Centroid);
