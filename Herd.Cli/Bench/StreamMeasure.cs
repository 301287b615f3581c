namespace Herd.Cli.Bench;

/// <summary>One round of concurrent streams on one path.</summary>
/// <param name="TokensPerSecond">every stream's tokens over the round's wall time</param>
/// <param name="TimeToFirstTokensMs">each stream's, from its call to its first token</param>
/// <param name="QueueWaitsMs">the gateway's own figure for each stream, from enqueue to a node taking the job; empty where the path does not report it</param>
internal sealed record StreamMeasure(double TokensPerSecond, IReadOnlyList<double> TimeToFirstTokensMs, IReadOnlyList<double> QueueWaitsMs)
{
    public double TimeToFirstTokenMs => BenchClient.Median(TimeToFirstTokensMs);

    /// <summary>The 99th percentile of the times to first token: the tail a client waits on now and then.</summary>
    public double TimeToFirstTokenP99Ms => BenchClient.Percentile(TimeToFirstTokensMs, 0.99);

    public double QueueWaitMs => QueueWaitsMs.Count == 0 ? 0 : BenchClient.Median(QueueWaitsMs);

    /// <summary>Rounds as one: the median round's tokens/s, and the times of every stream of every round.</summary>
    public static StreamMeasure Summarize(IReadOnlyList<StreamMeasure> rounds) => new(
        BenchClient.Median(rounds.Select(round => round.TokensPerSecond)),
        [.. rounds.SelectMany(round => round.TimeToFirstTokensMs)],
        [.. rounds.SelectMany(round => round.QueueWaitsMs)]);
}
