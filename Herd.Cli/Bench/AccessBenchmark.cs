using System.Diagnostics;
using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using Herd.AppHost.Lifecycle;
using Herd.Contracts.V1;

namespace Herd.Cli.Bench;

/// <summary>
/// <c>bench-access</c>: what keys, limits, fees and the ledger cost on the request path. Two
/// gateways share Redis and one node: one with access control on (a key whose role has limits
/// and a budget, fees configured, every request recorded through the outbox into PostgreSQL),
/// one with it off. The same one-token requests go through each in alternating rounds, at 1 and
/// 16 concurrent streams, and the table sets requests/s and median latency side by side.
/// </summary>
internal static class AccessBenchmark
{
    public const string Model = "herd-tiny";

    /// <summary>The benchmark engine's rate: a one-token answer is due 1 ms after the node takes it.</summary>
    public const double TokensPerSecond = 1000;
    public const int MaxSequences = 64;
    public const string Role = "bench";

    /// <summary>The gateway without access control, beside the app model's own.</summary>
    private const string OpenGateway = "gateway-open";

    private static readonly TimeSpan KeyWait = TimeSpan.FromMinutes(2);

    /// <summary>Concurrency, rounds per side, requests per round.</summary>
    private static readonly (int Streams, int Rounds, int Requests)[] Loads = [(1, 10, 100), (16, 8, 400)];

    /// <summary>Requests per side of the latency comparison, sent one at a time and alternating sides.</summary>
    private const int AlternatingPairs = 2000;

    /// <summary>The fee settings the gateway with access control gets, so that every request is priced.</summary>
    private static readonly IReadOnlyDictionary<string, string> FeeSettings = new Dictionary<string, string>
    {
        [$"Herd__Gateway__Fees__Models__{Model}__PerRequest"] = "0.001",
        [$"Herd__Gateway__Fees__Models__{Model}__PerPromptToken"] = "0.00001",
        [$"Herd__Gateway__Fees__Models__{Model}__PerCompletionToken"] = "0.00002",
    };

    public static async Task<int> RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        await using var herd = await BenchHerd.StartAsync(ConfigureHerd, cancellationToken);
        using var guardedChannel = GrpcChannel.ForAddress(herd.GrpcEndpoint("gateway"));
        using var openChannel = GrpcChannel.ForAddress(herd.GrpcEndpoint(OpenGateway));
        var keyFile = KeyFile(herd.Folder);
        var key = await BootstrapKeyFile.ReadAsync(keyFile, KeyWait, cancellationToken)
            ?? throw new TimeoutException($"The gateway wrote no key to {keyFile} within {KeyWait.TotalMinutes:0} minutes.");
        var headers = new Metadata { { "authorization", "Bearer " + key } };
        await BenchClient.WaitForNodeAsync(new Catalog.CatalogClient(guardedChannel), headers, cancellationToken);
        await BenchClient.WaitForNodeAsync(new Catalog.CatalogClient(openChannel), headers: null, cancellationToken);
        var on = new Completions.CompletionsClient(guardedChannel);
        var off = new Completions.CompletionsClient(openChannel);
        await RoundAsync(off, [], 4, 100, cancellationToken);
        await RoundAsync(on, headers, 4, 100, cancellationToken);

        var (offEach, onEach) = await AlternatingAsync(off, on, headers, AlternatingPairs, cancellationToken);
        await output.WriteLineAsync();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Latency, one request at a time, off and on alternating request by request ({AlternatingPairs} each): median off {BenchClient.Median(offEach):F3} ms, on {BenchClient.Median(onEach):F3} ms, added {BenchClient.Median(onEach) - BenchClient.Median(offEach):F3} ms; 90th percentile off {BenchClient.Percentile(offEach, 0.9):F3} ms, on {BenchClient.Percentile(onEach, 0.9):F3} ms"));
        await output.WriteLineAsync();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Access benchmark: one-token requests, benchmark engine at {TokensPerSecond} tokens/s; off and on in alternating rounds on one node; requests/s: median of the rounds; latency: median over every request, from the call to its end"));
        await output.WriteLineAsync();
        await output.WriteLineAsync("| streams | rounds × requests | off requests/s | on requests/s | on / off | off latency (median) | on latency (median) | added (median) |");
        await output.WriteLineAsync("| --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var (streams, rounds, requests) in Loads)
        {
            var offRounds = new List<Round>();
            var onRounds = new List<Round>();
            for (var round = 0; round < rounds; round++)
            {
                offRounds.Add(await RoundAsync(off, [], streams, requests, cancellationToken));
                onRounds.Add(await RoundAsync(on, headers, streams, requests, cancellationToken));
            }

            var (offRate, onRate) = (BenchClient.Median(offRounds.Select(r => r.RequestsPerSecond)), BenchClient.Median(onRounds.Select(r => r.RequestsPerSecond)));
            var (offLatency, onLatency) = (BenchClient.Median(offRounds.SelectMany(r => r.LatenciesMs)), BenchClient.Median(onRounds.SelectMany(r => r.LatenciesMs)));
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"| {streams} | {rounds} × {requests} | {offRate:F0} | {onRate:F0} | {onRate / offRate:P1} | {offLatency:F2} ms | {onLatency:F2} ms | {onLatency - offLatency:F2} ms |"));
            await output.FlushAsync(cancellationToken);
        }

        return 0;
    }

    /// <summary>
    /// A second gateway without access control, on queues of its own, beside the app model's: the
    /// node links to both, so the two paths differ only in what access control does. The app
    /// model's gateway gets a roles file with the bench role, a bootstrap key of that role and fees.
    /// </summary>
    private static void ConfigureHerd(IDistributedApplicationTestingBuilder builder, string folder)
    {
        var redis = builder.CreateResourceBuilder(builder.Resources.OfType<IResourceWithConnectionString>().Single(resource => resource.Name == "redis"));
        var nodeSecret = builder.CreateResourceBuilder(builder.Resources.OfType<ParameterResource>().Single(resource => resource.Name == "node-secret"));
        var open = builder.AddProject<Projects.Herd_Gateway>(OpenGateway)
            .WithoutHttpsCertificate()
            .WithReferenceEnvironment(ReferenceEnvironmentInjectionFlags.ConnectionString)
            .WithReference(redis).WaitFor(redis)
            .WithEnvironment("HERD_NODE_SECRET", nodeSecret)
            .WithHttpHealthCheck("/health", endpointName: "http")
            .WithEnvironment("Herd__Gateway__Access__Enabled", "false")
            .WithEnvironment("Herd__Gateway__Queue__KeyPrefix", "herd-bench-open:");

        var gateway = BenchHerd.Project(builder, "gateway")
            .WithEnvironment("Herd__Gateway__Access__RolesFile", WriteRolesFile(folder))
            .WithEnvironment("Herd__Gateway__Access__BootstrapKeyFile", KeyFile(folder))
            .WithEnvironment("Herd__Gateway__Access__BootstrapRole", Role);
        foreach (var (name, value) in FeeSettings)
        {
            gateway.WithEnvironment(name, value);
        }

        BenchHerd.Project(builder, "node")
            .WithEnvironment("Herd__Node__Gateways__0", gateway.GetEndpoint("grpc"))
            .WithEnvironment("Herd__Node__Gateways__1", open.GetEndpoint("grpc"))
            .WaitFor(open)
            .WithEnvironment("Herd__Node__Engine__SyntheticTokensPerSecond", TokensPerSecond.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment("Herd__Node__Engine__MaxSequences", MaxSequences.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Where the gateway with access control writes the bench role's key.</summary>
    private static string KeyFile(string folder) => Path.Combine(folder, "bench.key");

    /// <summary>A roles file whose bench role is held to limits and a budget that the run never reaches, so that each is checked and counted.</summary>
    private static string WriteRolesFile(string folder)
    {
        var path = Path.Combine(folder, "roles.yaml");
        File.WriteAllText(path, $$"""
            roles:
              {{Role}}:
                allow_methods: ["herd.v1.Completions/*", "herd.v1.Catalog/*"]
                limits:
                  - { requests: 100000000, per: 1h }
                  - { requests: 1000000000, per: 1d }
                  - { tokens: 100000000000, per: 1h }
                budget: 1000000000
            """);
        return path;
    }

    /// <summary>
    /// One request at a time, off then on then off...: both sides see the machine in the same
    /// state (the same background work, the same noise), so the difference is the request path's.
    /// </summary>
    private static async Task<(List<double> Off, List<double> On)> AlternatingAsync(
        Completions.CompletionsClient off, Completions.CompletionsClient on, Metadata headers, int pairs, CancellationToken cancellationToken)
    {
        var (offTimes, onTimes) = (new List<double>(pairs), new List<double>(pairs));
        for (var pair = 0; pair < pairs; pair++)
        {
            offTimes.Add((await RoundAsync(off, [], 1, 1, cancellationToken)).LatenciesMs[0]);
            onTimes.Add((await RoundAsync(on, headers, 1, 1, cancellationToken)).LatenciesMs[0]);
        }

        return (offTimes, onTimes);
    }

    private static async Task<Round> RoundAsync(Completions.CompletionsClient client, Metadata headers, int streams, int requests, CancellationToken cancellationToken)
    {
        var latencies = new double[requests];
        var next = -1;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, streams).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < requests)
            {
                var request = new CompletionRequest
                {
                    Model = Model,
                    Prompt = "The herd checks keys",
                    Sampling = new SamplingParams { Temperature = 0, MaxTokens = 1 },
                };
                var begun = Stopwatch.GetTimestamp();
                using var call = client.Complete(request, headers, cancellationToken: cancellationToken);
                await foreach (var unused in call.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    // Only the end counts.
                }

                latencies[index] = Stopwatch.GetElapsedTime(begun).TotalMilliseconds;
            }
        }));
        return new Round(requests / Stopwatch.GetElapsedTime(started).TotalSeconds, latencies);
    }

    private sealed record Round(double RequestsPerSecond, IReadOnlyList<double> LatenciesMs);
}
