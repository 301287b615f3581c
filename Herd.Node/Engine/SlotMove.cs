namespace Herd.Node.Engine;

/// <summary>Copy the first <paramref name="Length"/> cached positions from one slot to another.</summary>
public readonly record struct SlotMove(int From, int To, int Length);
