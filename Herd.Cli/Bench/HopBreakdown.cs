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
    /// than there are hops); null where either hop has no mark. A request's job is the one whose
    /// <see cref="HopNames.GatewayReceived"/> is the first at or after the request's call and
    /// before the next request's, as the requests ran one after another; a hop marked more than
    /// once for a job counts its first.
    /// </summary>
    /// <param name="marks">every process's marks, in any order</param>
    /// <param name="requests">each request's call and first token (null when none came), as Stopwatch timestamps, in the order they ran</param>
    /// <param name="ticksPerSecond">the timestamps' frequency, <see cref="System.Diagnostics.Stopwatch.Frequency"/></param>
    public static IReadOnlyList<double?[]> Intervals(IReadOnlyList<HopMark> marks, IReadOnlyList<(long Called, long? FirstToken)> requests, long ticksPerSecond)
    {
        ArgumentNullException.ThrowIfNull(marks);
        ArgumentNullException.ThrowIfNull(requests);
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
        for (var index = 0; index < requests.Count; index++)
        {
            var (called, firstToken) = requests[index];
            var next = index + 1 < requests.Count ? requests[index + 1].Called : long.MaxValue;
            var job = received.FirstOrDefault(mark => mark.Value >= called && mark.Value < next).Key.JobId;
            var times = Hops.Select(hop => hop switch
            {
                ClientCall => called,
                ClientFirstToken => firstToken,
                _ => job is not null && first.TryGetValue((hop, job), out var at) ? at : (long?)null,
            }).ToList();
            rows.Add([.. times.Zip(times.Skip(1), (from, to) => to - from is { } ticks ? ticks * 1000.0 / ticksPerSecond : (double?)null)]);
        }

        return rows;
    }
}
