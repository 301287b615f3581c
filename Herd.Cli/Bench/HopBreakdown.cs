using Herd.ServiceDefaults.Diagnostics;

namespace Herd.Cli.Bench;

/// <summary>
/// Where a request's first token spends its time: from the client's call, through each hop the
/// gateway and the node mark (<see cref="HopNames.Path"/>), to the client's first token, each
/// interval from the hop before it.
/// </summary>
internal static class HopBreakdown
{
    public const string ClientCall = "client.call";
    public const string ClientFirstToken = "client.first_token";

    /// <summary>The client's call, the marked hops in the path's order, and the client's first token.</summary>
    public static IReadOnlyList<string> Hops { get; } = [ClientCall, .. HopNames.Path, ClientFirstToken];

    /// <summary>
    /// For each request, the milliseconds from each of <see cref="Hops"/> to the next (one fewer
    /// than there are hops); null where either hop has no mark. The requests ran one after
    /// another: a request's job is the one whose <see cref="HopNames.GatewayReceived"/> is the
    /// first at or after the request's call and before the next request's. A hop marked more than
    /// once for a job counts its first.
    /// </summary>
    /// <param name="marks">every process's marks, in any order</param>
    /// <param name="requests">each request's call and first token (null when none came), as Stopwatch timestamps, in the order they ran</param>
    /// <param name="ticksPerSecond">the timestamps' frequency, <see cref="System.Diagnostics.Stopwatch.Frequency"/></param>
    public static IReadOnlyList<double?[]> Intervals(IReadOnlyList<HopMark> marks, IReadOnlyList<(long Called, long? FirstToken)> requests, long ticksPerSecond)
    {
        ArgumentNullException.ThrowIfNull(requests);
        return Intervals(marks, [.. requests.Select(request => (IReadOnlyList<(long, long?)>)[request])], ticksPerSecond);
    }

    /// <summary>
    /// As the overload for requests one after another, for rounds of concurrent requests, the
    /// rounds one after another: within a round, the requests in the order of their calls take the
    /// jobs received between the round's first call and the next round's, in the order the
    /// gateway received them (the streams share one connection, which delivers them in order).
    /// Rows come round by round, each round's in the order given.
    /// </summary>
    public static IReadOnlyList<double?[]> Intervals(IReadOnlyList<HopMark> marks, IReadOnlyList<IReadOnlyList<(long Called, long? FirstToken)>> rounds, long ticksPerSecond)
    {
        ArgumentNullException.ThrowIfNull(marks);
        ArgumentNullException.ThrowIfNull(rounds);
        var first = new Dictionary<(string Hop, string JobId), long>();
        foreach (var mark in marks)
        {
            var key = (mark.Hop, mark.JobId);
            if (!first.TryGetValue(key, out var earlier) || mark.Timestamp < earlier)
            {
                first[key] = mark.Timestamp;
            }
        }

        var received = first.Where(mark => mark.Key.Hop == HopNames.GatewayReceived).OrderBy(mark => mark.Value).ToList();
        var rows = new List<double?[]>();
        for (var index = 0; index < rounds.Count; index++)
        {
            var round = rounds[index];
            if (round.Count == 0)
            {
                continue;
            }

            var begun = round.Min(request => request.Called);
            var next = rounds.Skip(index + 1).Where(later => later.Count > 0).Select(later => later.Min(request => request.Called)).FirstOrDefault(long.MaxValue);
            var jobs = received.Where(mark => mark.Value >= begun && mark.Value < next).Select(mark => mark.Key.JobId).ToList();
            var byCall = round.Select((request, position) => (request, position)).OrderBy(entry => entry.request.Called).ToList();
            var jobOf = new string?[round.Count];
            for (var k = 0; k < byCall.Count && k < jobs.Count; k++)
            {
                jobOf[byCall[k].position] = jobs[k];
            }

            for (var position = 0; position < round.Count; position++)
            {
                var (called, firstToken) = round[position];
                var job = jobOf[position];
                var times = Hops.Select(hop => hop switch
                {
                    ClientCall => called,
                    ClientFirstToken => firstToken,
                    _ => job is not null && first.TryGetValue((hop, job), out var at) ? at : (long?)null,
                }).ToList();
                rows.Add([.. times.Zip(times.Skip(1), (from, to) => to - from is { } ticks ? ticks * 1000.0 / ticksPerSecond : (double?)null)]);
            }
        }

        return rows;
    }
}
