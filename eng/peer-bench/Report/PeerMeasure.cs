namespace Herd.PeerBench.Report;

/// <summary>One measure taken of both engines, a value of each per round.</summary>
internal sealed class PeerMeasure(string name, string unit)
{
    public string Name { get; } = name;

    public string Unit { get; } = unit;

    public List<double> Herd { get; } = [];

    public List<double> LlamaCpp { get; } = [];

    public static double Median(IReadOnlyCollection<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
