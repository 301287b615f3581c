using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
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

    private static readonly int[] Concurrencies = [1, 16, 64];
    private const int Rounds = 3;

    public static async Task<int> RunAsync(ProjectResource gateway, ProjectResource node, TextWriter output)
    {
        var grpc = gateway.Endpoints.Single(endpoint => endpoint.Name == "Grpc").Url;
        using var channel = GrpcChannel.ForAddress(grpc);
        await WaitForNodeAsync(new Catalog.CatalogClient(channel));
        var client = new Completions.CompletionsClient(channel);
        await ThroughGatewayAsync(client, 4);

        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Gateway benchmark: benchmark engine at {TokensPerSecond} tokens/s per stream, {TokensPerRequest} tokens per request, median of {Rounds} rounds"));
        output.WriteLine();
        output.WriteLine("| streams | direct tokens/s | gateway tokens/s | gateway / direct | direct TTFT (median) | gateway TTFT (median) | added TTFT | of which queue wait |");
        output.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var streams in Concurrencies)
        {
            var direct = new List<Measure>();
            var through = new List<Measure>();
            for (var round = 0; round < Rounds; round++)
            {
                direct.Add(await DirectAsync(node, streams));
                through.Add(await ThroughGatewayAsync(client, streams));
            }

            var (d, g) = (Median(direct), Median(through));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {streams} | {d.TokensPerSecond:F0} | {g.TokensPerSecond:F0} | {g.TokensPerSecond / d.TokensPerSecond:P1} | {d.TimeToFirstTokenMs:F1} ms | {g.TimeToFirstTokenMs:F1} ms | {g.TimeToFirstTokenMs - d.TimeToFirstTokenMs:F1} ms | {g.QueueWaitMs:F1} ms |"));
            output.Flush();
        }

        return 0;
    }

    private static Measure Median(List<Measure> measures) => new(
        measures.Select(measure => measure.TokensPerSecond).Order().ElementAt(measures.Count / 2),
        measures.Select(measure => measure.TimeToFirstTokenMs).Order().ElementAt(measures.Count / 2),
        measures.Select(measure => measure.QueueWaitMs).Order().ElementAt(measures.Count / 2));

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
            runs.Select(run => run.FirstToken.TotalMilliseconds).Order().ElementAt(runs.Length / 2),
            runs.Select(run => run.QueueWait.TotalMilliseconds).Order().ElementAt(runs.Length / 2));
    }

    private static async Task<Measure> DirectAsync(ProjectResource node, int streams)
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

        var values = line.Split(' ').Select(pair => pair.Split('=')).ToDictionary(pair => pair[0], pair => double.Parse(pair[1], CultureInfo.InvariantCulture));
        return new Measure(values["tokens_per_second"], values["ttft_median_ms"]);
    }

    private static async Task WaitForNodeAsync(Catalog.CatalogClient catalog)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while ((await catalog.ListModelsAsync(new ListModelsRequest())).Models.All(model => model.Nodes == 0))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("No node linked to the gateway within 2 minutes.");
            }

            await Task.Delay(200);
        }
    }

    /// <param name="QueueWaitMs">the gateway's own figure, from enqueue to a node taking the job</param>
    private sealed record Measure(double TokensPerSecond, double TimeToFirstTokenMs, double QueueWaitMs = 0);
}
