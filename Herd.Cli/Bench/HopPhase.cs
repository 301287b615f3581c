using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Herd.Contracts.V1;
using Herd.ServiceDefaults.Diagnostics;

namespace Herd.Cli.Bench;

/// <summary>
/// <c>bench-gateway --hops</c>'s last phase: one stream through the gRPC door, requests one after
/// another with the rounds' pause between them, and each request's first token broken down by the
/// hops the gateway and the node marked on its way (<see cref="HopBreakdown"/>).
/// </summary>
internal static class HopPhase
{
    public const int Requests = 30;

    private static readonly TimeSpan FlushWait = TimeSpan.FromSeconds(3);

    /// <summary>The folder inside the benchmark's own where the herd's processes write their marks.</summary>
    public static string Folder(string benchFolder) => Path.Combine(benchFolder, "hops");

    public static async Task RunAsync(Completions.CompletionsClient client, CompletionRequest request, string folder, TimeSpan pause, TextWriter output, CancellationToken cancellationToken)
    {
        var requests = new List<(long Called, long? FirstToken)>();
        for (var i = 0; i < Requests; i++)
        {
            requests.Add(await TimedAsync(client, request, cancellationToken));
            await Task.Delay(pause, cancellationToken);
        }

        var marks = await MarksAsync(folder, requests, cancellationToken);
        var intervals = HopBreakdown.Intervals(marks, requests, Stopwatch.Frequency);
        await WriteAsync(output, intervals, requests, pause);
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
    /// Every mark, once the last request's job has all its hops in the files (each process writes
    /// its marks within a fifth of a second) or <see cref="FlushWait"/> has passed: hops never
    /// marked then show as unseen.
    /// </summary>
    private static async Task<IReadOnlyList<HopMark>> MarksAsync(string folder, IReadOnlyList<(long Called, long? FirstToken)> requests, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(FlushWait.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var marks = HopMarkFiles.Read(folder);
            var last = HopBreakdown.Intervals(marks, requests, Stopwatch.Frequency)[^1];
            if (last.All(interval => interval is not null) || Stopwatch.GetTimestamp() > deadline)
            {
                return marks;
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    private static async Task WriteAsync(TextWriter output, IReadOnlyList<double?[]> intervals, List<(long Called, long? FirstToken)> requests, TimeSpan pause)
    {
        var hops = HopBreakdown.Hops;
        var engine = hops.ToList().IndexOf(HopNames.NodeStarted);
        var totals = new List<double>();
        var lessEngine = new List<double>();
        foreach (var (request, row) in requests.Zip(intervals))
        {
            if (request.FirstToken is not { } firstToken)
            {
                continue;
            }

            var total = (firstToken - request.Called) * 1000.0 / Stopwatch.Frequency;
            totals.Add(total);
            if (row[engine] is { } engineMs)
            {
                lessEngine.Add(total - engineMs);
            }
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Where the first token's time goes: 1 stream through the gRPC door, {requests.Count} requests {pause.TotalSeconds:0.#} s apart; each hop timed from the one before it, by the machine's one monotonic clock in every process"));
        await output.WriteLineAsync();
        await output.WriteLineAsync("| hop | requests | median | p90 |");
        await output.WriteLineAsync("| --- | --- | --- | --- |");
        for (var i = 0; i < hops.Count - 1; i++)
        {
            var hop = i;
            await output.WriteLineAsync(Row($"{hops[hop]} → {hops[hop + 1]}", [.. intervals.Select(row => row[hop]).OfType<double>()]));
        }

        await output.WriteLineAsync(Row($"total: {HopBreakdown.ClientCall} → {HopBreakdown.ClientFirstToken}", totals));
        await output.WriteLineAsync(Row($"total less {HopNames.NodeStarted} → {HopNames.NodeFirstToken}", lessEngine));
        await output.WriteLineAsync();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{HopNames.NodeStarted} → {HopNames.NodeFirstToken} is the benchmark engine's own first token (due at {1000 / GatewayBenchmark.TokensPerSecond:F0} ms), which the direct path has too: the total less it is what the gateway path adds. A hop no request saw shows as -."));
    }

    private static string Row(string name, List<double> values) => values.Count == 0
        ? $"| {name} | 0 | - | - |"
        : string.Create(CultureInfo.InvariantCulture, $"| {name} | {values.Count} | {BenchClient.Median(values):F2} ms | {BenchClient.Percentile(values, 0.9):F2} ms |");
}
