namespace Herd.Node.Kernels;

/// <summary>
/// How far weights stored in a narrower format are from their float32 values: the sums of the
/// squared rounding errors and of the squared weights, over one matrix or many.
/// </summary>
public readonly record struct WeightError(double ErrorSquares, double WeightSquares)
{
    /// <summary>‖W − stored‖ / ‖W‖; 0 for exact storage.</summary>
    public double RelativeRms => WeightSquares == 0 ? 0 : Math.Sqrt(ErrorSquares / WeightSquares);

    public static WeightError operator +(WeightError left, WeightError right) =>
        new(left.ErrorSquares + right.ErrorSquares, left.WeightSquares + right.WeightSquares);

    public static WeightError Add(WeightError left, WeightError right) => left + right;
}
