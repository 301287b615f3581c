using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Herd.AppHost.Hosting;
using Herd.Contracts.V1;

namespace Herd.AppHost.Bench;

/// <summary>
/// <c>bench-gateway</c>: what the gateway costs. The node runs the benchmark engine (tokens at a
/// fixed rate, no model), so the same load can be measured through the gateway, its Redis queue
/// and the node link, and directly on a node engine in a process of its own
/// (<c>Herd.Node stream-bench</c>), side by side, at 1, 16 and 64 concurrent streams.
/// </summary>
internal static class GatewayBenchmark
{
    public const string Command = "bench-gateway";
    public const double TokensPerSecond = 50;
    public const int TokensPerRequest = 100;
    public const int MaxSequences = 64;
    /// <summary>Concurrency and rounds: a round at one stream gives one time to first token, so it runs more.</summary>
    private static readonly (int Streams, int Rounds)[] Loads = [(1, 15), (16, 3), (64, 3)];

    public static async Task<int> RunAsync(HerdResource gateway, HerdResource node, TextWriter output)
    {
        var grpc = gateway.Endpoints.Single(endpoint => endpoint.Name == "Grpc").Url;
        using var channel = GrpcChannel.ForAddress(grpc);
        await BenchClient.WaitForNodeAsync(new Catalog.CatalogClient(channel));
        var client = new Completions.CompletionsClient(channel);
        await ThroughGatewayAsync(client, 4);
        var roundTrip = await RoundTripAsync(new Health.HealthClient(channel));

        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Gateway benchmark: benchmark engine at {TokensPerSecond} tokens/s per stream, {TokensPerRequest} tokens per request; tokens/s: median of the rounds; time to first token: median over every stream of every round"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Reference: a bare gRPC round trip to the gateway (health check), median of {RoundTrips}: {roundTrip.BackToBackMs:F2} ms back to back, {roundTrip.AfterIdleMs:F2} ms after {IdleBetweenRoundTrips.TotalMilliseconds:F0} ms idle"));
        output.WriteLine();
        output.WriteLine("| streams | rounds | direct tokens/s | gateway tokens/s | gateway / direct | direct TTFT (median) | gateway TTFT (median) | added TTFT | of which queue wait |");
        output.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var (streams, rounds) in Loads)
        {
            var direct = new List<Measure>();
            var through = new List<Measure>();
            for (var round = 0; round < rounds; round++)
            {
                direct.Add(await DirectAsync(node, streams));
                await Task.Delay(Settle);
                through.Add(await ThroughGatewayAsync(client, streams));
                await Task.Delay(Settle);
            }

            var (d, g) = (Summarize(direct), Summarize(through));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {streams} | {rounds} | {d.TokensPerSecond:F0} | {g.TokensPerSecond:F0} | {g.TokensPerSecond / d.TokensPerSecond:P1} | {d.TimeToFirstTokenMs:F1} ms | {g.TimeToFirstTokenMs:F1} ms | {g.TimeToFirstTokenMs - d.TimeToFirstTokenMs:F1} ms | {g.QueueWaitMs:F1} ms |"));
            output.Flush();
        }

        return 0;
    }

    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    private const int RoundTrips = 100;
    private static readonly TimeSpan IdleBetweenRoundTrips = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// The floor under any added time to first token: the gateway path has two gRPC round trips
    /// (client and gateway, gateway and node) that the direct path does not.
    /// </summary>
    private static async Task<(double BackToBackMs, double AfterIdleMs)> RoundTripAsync(Health.HealthClient health)
    {
        async Task<double> MedianAsync(TimeSpan idle)
        {
            var times = new List<double>();
            for (var i = 0; i < RoundTrips; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await health.CheckAsync(new HealthCheckRequest());
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (idle > TimeSpan.Zero)
                {
                    await Task.Delay(idle);
                }
            }

            return BenchClient.Median(times);
        }

        return (await MedianAsync(TimeSpan.Zero), await MedianAsync(IdleBetweenRoundTrips));
    }


    private static Measure Summarize(List<Measure> rounds) => new(
        BenchClient.Median(rounds.Select(round => round.TokensPerSecond)),
        [.. rounds.SelectMany(round => round.TimeToFirstTokensMs)],
        [.. rounds.SelectMany(round => round.QueueWaitsMs)]);

    private static async Task<Measure> ThroughGatewayAsync(Completions.CompletionsClient client, int streams)
    {
        var started = Stopwatch.GetTimestamp();
        var runs = await Task.WhenAll(Enumerable.Range(0, streams).Select(async _ =>
        {
            var request = new CompletionRequest
            {
                Model = "herd-tiny",
                Prompt = "The herd streams tokens",
                Sampling = new SamplingParams { Temperature = 0, MaxTokens = TokensPerRequest },
            };
            var begun = Stopwatch.GetTimestamp();
            var firstToken = TimeSpan.Zero;
            var tokens = 0;
            var queueWait = TimeSpan.Zero;
            using var call = client.Complete(request);
            await foreach (var completionEvent in call.ResponseStream.ReadAllAsync())
            {
                if (completionEvent.Delta is { TokenIds.Count: > 0 } delta)
                {
                    if (tokens == 0)
                    {
                        firstToken = Stopwatch.GetElapsedTime(begun);
                    }

                    tokens += delta.TokenIds.Count;
                }
                else if (completionEvent.Done is { } done)
                {
                    queueWait = done.QueueWait.ToTimeSpan();
                }
            }

            return (Tokens: tokens, FirstToken: firstToken, QueueWait: queueWait);
        }));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new Measure(
            runs.Sum(run => run.Tokens) / seconds,
            [.. runs.Select(run => run.FirstToken.TotalMilliseconds)],
            [.. runs.Select(run => run.QueueWait.TotalMilliseconds)]);
    }

    private static async Task<Measure> DirectAsync(HerdResource node, int streams)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(node.AssemblyPath(AppModelRunner.Configuration)),
            ArgumentList =
            {
                node.AssemblyPath(AppModelRunner.Configuration), "stream-bench",
                "--concurrency", streams.ToString(CultureInfo.InvariantCulture),
                "--tokens", TokensPerRequest.ToString(CultureInfo.InvariantCulture),
                "--synthetic-rate", TokensPerSecond.ToString(CultureInfo.InvariantCulture),
                "--max-sequences", MaxSequences.ToString(CultureInfo.InvariantCulture),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("Could not start Herd.Node stream-bench.");
        var errors = process.StandardError.ReadToEndAsync();
        var line = (await process.StandardOutput.ReadToEndAsync()).Trim();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"Herd.Node stream-bench failed ({process.ExitCode}): {await errors}");
        }

        var values = line.Split(' ').Select(pair => pair.Split('=')).ToDictionary(pair => pair[0], pair => pair[1]);
        return new Measure(
            double.Parse(values["tokens_per_second"], CultureInfo.InvariantCulture),
            [.. values["ttft_ms"].Split(',').Select(value => double.Parse(value, CultureInfo.InvariantCulture))],
            []);
    }


    /// <param name="QueueWaitsMs">the gateway's own figure for each stream, from enqueue to a node taking the job</param>
    private sealed record Measure(double TokensPerSecond, IReadOnlyList<double> TimeToFirstTokensMs, IReadOnlyList<double> QueueWaitsMs)
    {
        public double TimeToFirstTokenMs => BenchClient.Median(TimeToFirstTokensMs);

        public double QueueWaitMs => QueueWaitsMs.Count == 0 ? 0 : BenchClient.Median(QueueWaitsMs);
    }
}
