using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Herd.Contracts.V1;
using Herd.ServiceDefaults.Diagnostics;

namespace Herd.Cli.Bench;

/// <summary>
/// <c>bench-gateway --hops</c>'s last phase: through the gRPC door, one stream's requests one after
/// another and rounds of 16 and 64 streams, with the rounds' pause between them, and each
/// request's first token broken down by the hops the gateway and the node marked on its way
/// (<see cref="HopBreakdown"/>).
/// </summary>
internal static class HopPhase
{
    /// <summary>Concurrency and rounds: one stream runs its requests one after another; more streams start together.</summary>
    private static readonly (int Streams, int Rounds)[] Loads = [(1, 30), (16, 8), (64, 5)];

    private static readonly TimeSpan FlushWait = TimeSpan.FromSeconds(3);

    /// <summary>The folder inside the benchmark's own where the herd's processes write their marks.</summary>
    public static string Folder(string benchFolder) => Path.Combine(benchFolder, "hops");

    public static async Task RunAsync(Completions.CompletionsClient client, CompletionRequest request, string folder, TimeSpan pause, TextWriter output, CancellationToken cancellationToken)
    {
        var measured = new List<(int Streams, IReadOnlyList<IReadOnlyList<(long Called, long? FirstToken)>> Rounds)>();
        foreach (var (streams, rounds) in Loads)
        {
            var timed = new List<IReadOnlyList<(long Called, long? FirstToken)>>();
            for (var round = 0; round < rounds; round++)
            {
                timed.Add(await Task.WhenAll(Enumerable.Range(0, streams).Select(_ => TimedAsync(client, request, cancellationToken))));
                await Task.Delay(pause, cancellationToken);
            }

            measured.Add((streams, timed));
        }

        var marks = await MarksAsync(folder, measured[^1].Rounds, cancellationToken);
        var breakdowns = measured.Select(load => (load.Streams, load.Rounds, Rows: HopBreakdown.Intervals(marks, load.Rounds, Stopwatch.Frequency))).ToList();
        await WriteAsync(output, breakdowns, pause);
    }

    private static async Task<(long Called, long? FirstToken)> TimedAsync(Completions.CompletionsClient client, CompletionRequest request, CancellationToken cancellationToken)
    {
        var called = Stopwatch.GetTimestamp();
        long? firstToken = null;
        using var call = client.Complete(request, cancellationToken: cancellationToken);
        await foreach (var completionEvent in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            if (completionEvent.Delta is { TokenIds.Count: > 0 })
            {
                firstToken ??= Stopwatch.GetTimestamp();
            }
        }

        return (called, firstToken);
    }

    /// <summary>
    /// Every mark, once the last round's jobs have all their hops in the files (each process
    /// writes its marks within a fifth of a second) or <see cref="FlushWait"/> has passed: hops
    /// never marked then show as unseen.
    /// </summary>
    private static async Task<IReadOnlyList<HopMark>> MarksAsync(string folder, IReadOnlyList<IReadOnlyList<(long Called, long? FirstToken)>> lastLoad, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(FlushWait.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var marks = HopMarkFiles.Read(folder);
            var last = HopBreakdown.Intervals(marks, [lastLoad[^1]], Stopwatch.Frequency);
            if (last.All(row => row.All(interval => interval is not null)) || Stopwatch.GetTimestamp() > deadline)
            {
                return marks;
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    private static async Task WriteAsync(TextWriter output, IReadOnlyList<(int Streams, IReadOnlyList<IReadOnlyList<(long Called, long? FirstToken)>> Rounds, IReadOnlyList<double?[]> Rows)> loads, TimeSpan pause)
    {
        var hops = HopBreakdown.Hops;
        var engine = hops.ToList().IndexOf(HopNames.NodeStarted);
        await output.WriteLineAsync();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Where the first token's time goes, through the gRPC door: {string.Join(", ", Loads.Select(load => load.Streams == 1 ? $"{load.Rounds} requests one after another" : $"{load.Rounds} rounds of {load.Streams} streams started together"))}, {pause.TotalSeconds:0.#} s apart; each hop timed from the one before it by the machine's one monotonic clock, in every process; median (90th percentile) over the requests"));
        await output.WriteLineAsync();
        await output.WriteLineAsync($"| hop | {string.Join(" | ", loads.Select(load => load.Streams == 1 ? "1 stream" : $"{load.Streams} streams"))} |");
        await output.WriteLineAsync($"| --- |{string.Concat(loads.Select(_ => " --- |"))}");
        for (var i = 0; i < hops.Count - 1; i++)
        {
            var hop = i;
            await output.WriteLineAsync($"| {hops[hop]} → {hops[hop + 1]} | {string.Join(" | ", loads.Select(load => Cell([.. load.Rows.Select(row => row[hop]).OfType<double>()])))} |");
        }

        var totals = loads.Select(load => Totals(load.Rounds, load.Rows, engine)).ToList();
        await output.WriteLineAsync($"| total: {HopBreakdown.ClientCall} → {HopBreakdown.ClientFirstToken} | {string.Join(" | ", totals.Select(total => Cell(total.All)))} |");
        await output.WriteLineAsync($"| total less {HopNames.NodeStarted} → {HopNames.NodeFirstToken} | {string.Join(" | ", totals.Select(total => Cell(total.LessEngine)))} |");
        await output.WriteLineAsync();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{HopNames.NodeStarted} → {HopNames.NodeFirstToken} is the benchmark engine's own first token (due at {1000 / GatewayBenchmark.TokensPerSecond:F0} ms), which the direct path has too: the total less it is what the gateway path adds. With streams started together, a request is matched to the job the gateway received in the same order. A hop no request saw shows as -."));
    }

    private static (List<double> All, List<double> LessEngine) Totals(IReadOnlyList<IReadOnlyList<(long Called, long? FirstToken)>> rounds, IReadOnlyList<double?[]> rows, int engine)
    {
        var all = new List<double>();
        var lessEngine = new List<double>();
        foreach (var (request, row) in rounds.SelectMany(round => round).Zip(rows))
        {
            if (request.FirstToken is not { } firstToken)
            {
                continue;
            }

            var total = (firstToken - request.Called) * 1000.0 / Stopwatch.Frequency;
            all.Add(total);
            if (row[engine] is { } engineMs)
            {
                lessEngine.Add(total - engineMs);
            }
        }

        return (all, lessEngine);
    }

    private static string Cell(List<double> values) => values.Count == 0
        ? "-"
        : string.Create(CultureInfo.InvariantCulture, $"{BenchClient.Median(values):F2} ({BenchClient.Percentile(values, 0.9):F2}) ms");
}
