using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Reflection;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Herd.Contracts.V1;
using Herd.ServiceDefaults.Diagnostics;

namespace Herd.Cli.Bench;

/// <summary>
/// <c>bench-gateway</c>: what the gateway costs. The node runs the benchmark engine (tokens at a
/// fixed rate, no model), so the same load can be measured through the gateway, its Redis queue
/// and the node link, through the gateway's gRPC and HTTP doors, and directly on a node engine in
/// a process of its own (<c>Herd.Node stream-bench</c>), side by side, at 1, 16 and 64 concurrent
/// streams. With <c>--hops</c> the gateway and the node mark each hop of a job's first token, and a
/// last phase breaks the first token's time down by hop (<see cref="HopPhase"/>).
/// </summary>
internal static class GatewayBenchmark
{
    public const double TokensPerSecond = 50;
    public const int TokensPerRequest = 100;
    public const int MaxSequences = 64;
    private const string Model = "herd-tiny";
    private const string Prompt = "The herd streams tokens";

    /// <summary>Concurrency and rounds: a round at one stream gives one time to first token, so it runs more.</summary>
    private static readonly (int Streams, int Rounds)[] Loads = [(1, 15), (16, 9), (64, 6)];

    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    /// <summary>The configuration herd was built in, and so the node beside it.</summary>
    private static readonly string Configuration =
        typeof(GatewayBenchmark).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <param name="hops">whether to break the first token's time down by hop after the tables</param>
    public static async Task<int> RunAsync(bool hops, TextWriter output, CancellationToken cancellationToken)
    {
        var node = NodeAssembly();
        await using var herd = await BenchHerd.StartAsync((builder, folder) => ConfigureHerd(builder, folder, hops), cancellationToken);
        using var channel = GrpcChannel.ForAddress(herd.GrpcEndpoint("gateway"));
        using var http1 = HttpStreams.Client(herd.HttpEndpoint("gateway"), HttpVersion.Version11);
        // HTTP/2 with prior knowledge: the HTTP routes on the gRPC endpoint, as h2c.
        using var http2 = HttpStreams.Client(herd.GrpcEndpoint("gateway"), HttpVersion.Version20);
        await BenchClient.WaitForNodeAsync(new Catalog.CatalogClient(channel), headers: null, cancellationToken);
        var client = new Completions.CompletionsClient(channel);
        (string Name, Func<int, Task<StreamMeasure>> Run)[] doors =
        [
            ("gRPC", streams => ThroughGatewayAsync(client, streams, cancellationToken)),
            ("HTTP/1.1", streams => HttpStreams.RunAsync(http1, Model, Prompt, TokensPerRequest, streams, cancellationToken)),
            ("HTTP/2", streams => HttpStreams.RunAsync(http2, Model, Prompt, TokensPerRequest, streams, cancellationToken)),
        ];
        // Warm at the highest concurrency: HTTP/1.1 then has its connections open, as a client's pool would.
        foreach (var (_, run) in doors)
        {
            await run(Loads.Max(load => load.Streams));
        }

        var roundTrip = await RoundTrips.GatewayAsync(new Health.HealthClient(channel), cancellationToken);
        var nodeRoundTrip = await RoundTrips.NodeAsync(herd.HttpEndpoint("node"), cancellationToken);

        await output.WriteLineAsync();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Gateway benchmark: benchmark engine at {TokensPerSecond} tokens/s per stream, {TokensPerRequest} tokens per request; tokens/s: median of the rounds; time to first token: median and 99th percentile over every stream of every round"));
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Reference: a bare gRPC round trip to the gateway (health check), median of {RoundTrips.Count}: {roundTrip.BackToBackMs:F2} ms back to back, {roundTrip.AfterIdleMs:F2} ms after {RoundTrips.Idle.TotalMilliseconds:F0} ms idle"));
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Reference: a bare HTTP/1.1 round trip to the node (GET /alive, one connection), median of {RoundTrips.Count}: {nodeRoundTrip.BackToBackMs:F2} ms back to back, {nodeRoundTrip.AfterIdleMs:F2} ms after {RoundTrips.Idle.TotalMilliseconds:F0} ms idle"));
        await output.WriteLineAsync("\"in round trips\": the median time to first token added to direct, over the gateway's round trip after idle");
        await output.WriteLineAsync();
        await output.WriteLineAsync("| streams | rounds | path | tokens/s | of direct | of gRPC | TTFT (median) | added to direct | in round trips | added to gRPC | TTFT (p99) | p99 added to direct | queue wait |");
        await output.WriteLineAsync("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var (streams, rounds) in Loads)
        {
            var direct = new List<StreamMeasure>();
            var through = doors.Select(_ => new List<StreamMeasure>()).ToArray();
            for (var round = 0; round < rounds; round++)
            {
                direct.Add(await DirectAsync(node, streams, cancellationToken));
                await Task.Delay(Settle, cancellationToken);
                // The doors take turns going first, so that none always follows the direct path.
                for (var turn = 0; turn < doors.Length; turn++)
                {
                    var door = (round + turn) % doors.Length;
                    through[door].Add(await doors[door].Run(streams));
                    await Task.Delay(Settle, cancellationToken);
                }
            }

            var d = StreamMeasure.Summarize(direct);
            var g = StreamMeasure.Summarize(through[0]);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"| {streams} | {rounds} | direct | {d.TokensPerSecond:F0} | | | {d.TimeToFirstTokenMs:F1} ms | | | | {d.TimeToFirstTokenP99Ms:F1} ms | | |"));
            for (var door = 0; door < doors.Length; door++)
            {
                var m = StreamMeasure.Summarize(through[door]);
                var queueWait = m.QueueWaitsMs.Count == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"{m.QueueWaitMs:F1} ms");
                var added = m.TimeToFirstTokenMs - d.TimeToFirstTokenMs;
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"| {streams} | {rounds} | {doors[door].Name} | {m.TokensPerSecond:F0} | {m.TokensPerSecond / d.TokensPerSecond:P1} | {m.TokensPerSecond / g.TokensPerSecond:P1} | {m.TimeToFirstTokenMs:F1} ms | {added:F1} ms | {added / roundTrip.AfterIdleMs:F1} | {m.TimeToFirstTokenMs - g.TimeToFirstTokenMs:F1} ms | {m.TimeToFirstTokenP99Ms:F1} ms | {m.TimeToFirstTokenP99Ms - d.TimeToFirstTokenP99Ms:F1} ms | {queueWait} |"));
            }

            await output.FlushAsync(cancellationToken);
        }

        if (hops)
        {
            await HopPhase.RunAsync(client, Request(), HopPhase.Folder(herd.Folder), Settle, output, cancellationToken);
        }

        return 0;
    }

    /// <summary>What every stream through the gRPC door asks for.</summary>
    private static CompletionRequest Request() => new()
    {
        Model = Model,
        Prompt = Prompt,
        Sampling = new SamplingParams { Temperature = 0, MaxTokens = TokensPerRequest },
    };

    /// <summary>
    /// The node on its benchmark engine; the gateway without access control: this benchmark
    /// measures queueing and relaying, and keys, limits and the ledger are bench-access's. With
    /// <paramref name="hops"/>, both mark each hop of a job into a folder of the benchmark's.
    /// </summary>
    private static void ConfigureHerd(IDistributedApplicationTestingBuilder builder, string folder, bool hops)
    {
        var node = BenchHerd.Project(builder, "node")
            .WithEnvironment("Herd__Node__Engine__SyntheticTokensPerSecond", TokensPerSecond.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment("Herd__Node__Engine__MaxSequences", MaxSequences.ToString(CultureInfo.InvariantCulture));
        var gateway = BenchHerd.Project(builder, "gateway")
            .WithEnvironment("Herd__Gateway__Access__Enabled", "false");
        if (hops)
        {
            node.WithEnvironment(HopMarkFiles.EnvironmentVariable, HopPhase.Folder(folder));
            gateway.WithEnvironment(HopMarkFiles.EnvironmentVariable, HopPhase.Folder(folder));
        }
    }

    /// <summary>The node's own build, beside herd's and in its configuration, for the direct path.</summary>
    private static string NodeAssembly()
    {
        var framework = Path.GetFileName(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        var project = Path.GetDirectoryName(new Projects.Herd_Node().ProjectPath) ?? ".";
        var assembly = Path.Combine(project, "bin", Configuration, framework, "Herd.Node.dll");
        return File.Exists(assembly)
            ? assembly
            : throw new FileNotFoundException($"Herd.Node is not built for {Configuration} (looked for {assembly}). Build Herd.Cli with -c {Configuration} first.");
    }

    private static async Task<StreamMeasure> ThroughGatewayAsync(Completions.CompletionsClient client, int streams, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var runs = await Task.WhenAll(Enumerable.Range(0, streams).Select(async _ =>
        {
            var request = Request();
            var begun = Stopwatch.GetTimestamp();
            var firstToken = TimeSpan.Zero;
            var tokens = 0;
            var queueWait = TimeSpan.Zero;
            using var call = client.Complete(request, cancellationToken: cancellationToken);
            await foreach (var completionEvent in call.ResponseStream.ReadAllAsync(cancellationToken))
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
        return new StreamMeasure(
            runs.Sum(run => run.Tokens) / seconds,
            [.. runs.Select(run => run.FirstToken.TotalMilliseconds)],
            [.. runs.Select(run => run.QueueWait.TotalMilliseconds)]);
    }

    private static async Task<StreamMeasure> DirectAsync(string node, int streams, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(node),
            ArgumentList =
            {
                node, "stream-bench",
                "--concurrency", streams.ToString(CultureInfo.InvariantCulture),
                "--tokens", TokensPerRequest.ToString(CultureInfo.InvariantCulture),
                "--synthetic-rate", TokensPerSecond.ToString(CultureInfo.InvariantCulture),
                "--max-sequences", MaxSequences.ToString(CultureInfo.InvariantCulture),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("Could not start Herd.Node stream-bench.");
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        var line = (await process.StandardOutput.ReadToEndAsync(cancellationToken)).Trim();
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"Herd.Node stream-bench failed ({process.ExitCode}): {await errors}");
        }

        var values = line.Split(' ').Select(pair => pair.Split('=')).ToDictionary(pair => pair[0], pair => pair[1]);
        return new StreamMeasure(
            double.Parse(values["tokens_per_second"], CultureInfo.InvariantCulture),
            [.. values["ttft_ms"].Split(',').Select(value => double.Parse(value, CultureInfo.InvariantCulture))],
            []);
    }
}
