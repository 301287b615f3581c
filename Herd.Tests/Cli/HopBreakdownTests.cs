using Herd.Cli.Bench;
using Herd.ServiceDefaults.Diagnostics;

namespace Herd.Tests.Cli;

/// <summary><c>herd bench-gateway --hops</c>: turning the processes' hop marks and the client's times into each hop's interval.</summary>
public sealed class HopBreakdownTests
{
    // One tick a millisecond: the intervals read as the timestamps' differences.
    private const long TicksPerSecond = 1000;

    /// <summary>The path's hops after the client's call, each a millisecond or more after the one before.</summary>
    private static readonly (string Hop, long After)[] Steps =
    [
        (HopNames.GatewayReceived, 1), (HopNames.GatewayEnqueued, 2), (HopNames.GatewayDispatched, 3), (HopNames.GatewayAssignWritten, 4),
        (HopNames.NodeReceived, 5), (HopNames.NodeStarted, 6), (HopNames.NodeFirstToken, 20), (HopNames.NodeChunkWritten, 7),
        (HopNames.GatewayTokenReceived, 8), (HopNames.GatewayTokenSent, 9),
    ];

    private const long ToFirstToken = 10;

    [Fact]
    public void Intervals_EveryHopMarked_GiveEachHopFromTheOneBefore_ForEachRequestsOwnJob()
    {
        var marks = new List<HopMark>();
        marks.AddRange(Job("first", 1000));
        marks.AddRange(Job("second", 2000));
        // A job of an earlier phase, before the first request was called.
        marks.AddRange(Job("earlier", 500));
        marks.Reverse();

        var rows = HopBreakdown.Intervals(marks, [(1000, Total(1000)), (2000, Total(2000))], TicksPerSecond);

        double?[] expected = [.. Steps.Select(step => (double?)step.After), ToFirstToken];
        Assert.Equal(2, rows.Count);
        Assert.Equal(expected, rows[0]);
        Assert.Equal(expected, rows[1]);
        Assert.Equal(HopBreakdown.Hops.Count - 1, rows[0].Length);
    }

    [Fact]
    public void Intervals_HopMarkedTwiceForAJob_CountFromItsFirstMark()
    {
        var marks = Job("job", 1000).ToList();
        var chunk = marks.Single(mark => mark.Hop == HopNames.NodeChunkWritten);
        // The second chunk, written 20 ms later, comes first in the files.
        marks.Insert(0, chunk with { Timestamp = chunk.Timestamp + 20 });

        var row = HopBreakdown.Intervals(marks, [(1000, Total(1000))], TicksPerSecond).Single();

        Assert.Equal(7, row[Index(HopNames.NodeFirstToken)]);
        Assert.Equal(8, row[Index(HopNames.NodeChunkWritten)]);
    }

    [Fact]
    public void Intervals_HopNeverMarked_HaveNoValueOnEitherSideOfIt_AndTheRestStay()
    {
        var marks = Job("job", 1000).Where(mark => mark.Hop != HopNames.NodeStarted).ToList();

        var row = HopBreakdown.Intervals(marks, [(1000, Total(1000))], TicksPerSecond).Single();

        Assert.Null(row[Index(HopNames.NodeReceived)]);
        Assert.Null(row[Index(HopNames.NodeStarted)]);
        Assert.Equal(5, row[Index(HopNames.GatewayAssignWritten)]);
        Assert.Equal(7, row[Index(HopNames.NodeFirstToken)]);
        Assert.Equal(2, row.Count(interval => interval is null));
    }

    [Fact]
    public void Intervals_RequestWhoseJobWasNeverReceived_HasOnlyMissingHops_AndTakesNotTheNextRequestsJob()
    {
        var marks = Job("second", 2000).ToList();

        var rows = HopBreakdown.Intervals(marks, [(1000, 1500), (2000, Total(2000))], TicksPerSecond);

        Assert.All(rows[0], interval => Assert.Null(interval));
        Assert.Equal(1, rows[1][0]);
        Assert.DoesNotContain(null, rows[1]);
    }

    [Fact]
    public void Intervals_RequestWithoutAFirstToken_HasNoLastHop()
    {
        var row = HopBreakdown.Intervals([.. Job("job", 1000)], [(1000, null)], TicksPerSecond).Single();

        Assert.Null(row[^1]);
        Assert.Equal(9, row[^2]);
    }

    /// <summary>Every hop's mark of a job whose request was called at <paramref name="called"/>.</summary>
    private static IEnumerable<HopMark> Job(string jobId, long called)
    {
        var at = called;
        foreach (var (hop, after) in Steps)
        {
            at += after;
            yield return new HopMark(hop, jobId, at);
        }
    }

    private static long Total(long called) => called + Steps.Sum(step => step.After) + ToFirstToken;

    /// <summary>Where the interval from <paramref name="hop"/> to the next hop is in a row.</summary>
    private static int Index(string hop) => HopBreakdown.Hops.ToList().IndexOf(hop);
}
