using System.Collections.Concurrent;
using System.Globalization;
using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Access.Keys;
using Herd.Gateway.Ledger;
using Herd.Tests.Fixtures;
using Herd.Tests.Gateway.Ledger;
using Herd.Tests.Mesh;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Herd.Tests.Access;

/// <summary>
/// A herd with access control and its ledger, and a load of requests whose outcomes are mixed
/// on purpose: served, cancelled by the client, invalid, outside the role, over a limit. Each
/// request carries its own client request id, so its ledger record can be found.
/// </summary>
internal sealed class LedgerLoad : IAsyncDisposable
{
    private const string Roles = """
        roles:
          admin:
            allow_methods: ["*"]
          user:
            allow_methods: ["herd.v1.Completions/*"]
            max_priority: 10
          capped:
            allow_methods: ["herd.v1.Completions/*"]
            limits:
              - { requests: 20, per: 1h }
        """;

    private readonly string _rolesFolder;
    private readonly LedgerHost _ledger;
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private readonly ConcurrentBag<Outcome> _outcomes = [];
    private int _finished;

    private LedgerLoad(TestHerd herd, string rolesFolder, LedgerHost ledger, Keys keys)
    {
        Herd = herd;
        _rolesFolder = rolesFolder;
        _ledger = ledger;
        Secrets = keys;
    }

    /// <summary>What one request was meant to meet.</summary>
    public enum Kind
    {
        Served,
        Cancelled,
        Invalid,
        Denied,
        Capped,
    }

    public TestHerd Herd { get; }

    public Keys Secrets { get; }

    /// <summary>Requests that have ended on the client's side so far.</summary>
    public int Finished => Volatile.Read(ref _finished);

    public static async Task<LedgerLoad> StartAsync(int gateways)
    {
        var rolesFolder = Directory.CreateTempSubdirectory("herd-ledger-roles-").FullName;
        var rolesFile = Path.Combine(rolesFolder, "roles.yaml");
        await File.WriteAllTextAsync(rolesFile, Roles);
        var herd = await TestHerd.StartAsync(
            gateways,
            nodes: 2,
            gatewaySettings: new Dictionary<string, string>
            {
                ["Herd__Gateway__Access__RolesFile"] = rolesFile,
                ["Herd__Gateway__Queue__LeaseDuration"] = "00:00:02",
                ["Herd__Gateway__Queue__MaxWait"] = "00:00:20",
                ["Herd__Gateway__Ledger__OutboxClaimAfter"] = "00:00:01",
                ["Herd__Gateway__Ledger__AbandonedSweepInterval"] = "00:00:00.500",
                ["Herd__Gateway__Fees__Models__herd-tiny__PerRequest"] = "0.01",
                ["Herd__Gateway__Fees__Models__herd-tiny__PerPromptToken"] = "0.001",
                ["Herd__Gateway__Fees__Models__herd-tiny__PerCompletionToken"] = "0.002",
                ["Logging__LogLevel__Default"] = "Warning",
            },
            // The benchmark engine: many short sequences at once, and answers long enough to cancel.
            nodeSettings: new Dictionary<string, string>
            {
                ["Herd__Node__Engine__SyntheticTokensPerSecond"] = "100",
                ["Herd__Node__Engine__MaxSequences"] = "16",
            },
            withAccess: true);
        var ledger = LedgerHost.Build(herd.LedgerConnectionString!);
        var store = ledger.Services.GetRequiredService<ApiKeyStore>();
        var keys = new Keys(
            (await store.CreateAsync("keeps history", "user")).Secret,
            (await store.CreateAsync("keeps no history", "user", historyOptOut: true)).Secret,
            (await store.CreateAsync("capped", "capped")).Secret);
        return new LedgerLoad(herd, rolesFolder, ledger, keys);
    }

    public static Kind KindOf(int request) => (request % 10) switch
    {
        < 6 => Kind.Served,
        6 => Kind.Cancelled,
        7 => Kind.Invalid,
        8 => Kind.Denied,
        _ => Kind.Capped,
    };

    /// <summary>Sends <paramref name="count"/> requests, <paramref name="parallel"/> at a time, request i to gateway <paramref name="gatewayOf"/>(i).</summary>
    /// <param name="slowGateway">A gateway whose served requests ask for answers of a second, so that it always has some in flight.</param>
    public async Task<IReadOnlyList<Outcome>> SendAsync(int count, Func<int, int> gatewayOf, int parallel = 16, int? slowGateway = null)
    {
        using var slots = new SemaphoreSlim(parallel);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async request =>
        {
            await slots.WaitAsync();
            try
            {
                var gateway = gatewayOf(request);
                _outcomes.Add(await SendOneAsync(request, Herd.Gateways[gateway].Completions, slow: gateway == slowGateway));
            }
            finally
            {
                Interlocked.Increment(ref _finished);
                slots.Release();
            }
        }));
        return [.. _outcomes.OrderBy(outcome => outcome.Request)];
    }

    public async Task WaitUntilFinishedAsync(int requests)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (Finished < requests)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Only {Finished} of {requests} requests ended within two minutes.");
            await Task.Delay(20);
        }
    }

    /// <summary>The ledger's records of this load, once those of <paramref name="requests"/> have all landed.</summary>
    public async Task<Dictionary<string, UsageRecord>> RecordsAsync(IEnumerable<int> requests, TimeSpan timeout)
    {
        var required = requests.Select(ClientId).ToList();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var records = (await ReadRecordsAsync()).Select(record => record.ClientRequestId!).ToHashSet();
            var missing = required.Where(id => !records.Contains(id)).ToList();
            if (missing.Count == 0 || DateTime.UtcNow > deadline)
            {
                Assert.True(missing.Count == 0, $"{missing.Count} of {required.Count} records had not reached the ledger within {timeout}, such as {string.Join(", ", missing.Take(5))}.");

                // Anything still on its way would show up as an extra: give it a moment.
                await Task.Delay(TimeSpan.FromSeconds(1));
                return (await ReadRecordsAsync()).ToDictionary(record => record.ClientRequestId!);
            }

            await Task.Delay(200);
        }
    }

    /// <summary>The ids of the requests <paramref name="gatewayId"/> has opened in the outbox and not yet closed.</summary>
    public async Task<IReadOnlyList<string>> OpenRequestsOfAsync(string gatewayId)
    {
        using var redis = await Herd.Redis.ConnectAsync();
        var open = await redis.GetDatabase().HashGetAllAsync("herd:ledger:open");
        return [.. open.Where(entry => ((string)entry.Value!).Contains($"\"GatewayId\":\"{gatewayId}\"", StringComparison.Ordinal)).Select(entry => (string)entry.Name!)];
    }

    /// <summary>The ledger's records of the requests with these ledger ids, once all have landed.</summary>
    public async Task<Dictionary<string, UsageRecord>> RecordsByRequestIdAsync(IReadOnlyCollection<string> requestIds, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            await using var context = _ledger.CreateContext();
            var records = await context.Usage.Where(record => requestIds.Contains(record.RequestId)).ToDictionaryAsync(record => record.RequestId);
            if (records.Count == requestIds.Count || DateTime.UtcNow > deadline)
            {
                Assert.True(records.Count == requestIds.Count, $"{requestIds.Count - records.Count} of {requestIds.Count} requests open on the stopped gateway have no record within {timeout}.");
                return records;
            }

            await Task.Delay(200);
        }
    }

    public async Task<Dictionary<string, Herd.Gateway.Ledger.HistoryEntry>> HistoryAsync(IEnumerable<string> requestIds)
    {
        var ids = requestIds.ToList();
        await using var context = _ledger.CreateContext();
        return await context.History.Where(entry => ids.Contains(entry.RequestId)).ToDictionaryAsync(entry => entry.RequestId);
    }

    public string ClientId(int request) => string.Create(CultureInfo.InvariantCulture, $"{_run}-{request}");

    public async ValueTask DisposeAsync()
    {
        await _ledger.DisposeAsync();
        await Herd.DisposeAsync();
        Directory.Delete(_rolesFolder, recursive: true);
    }

    private async Task<List<UsageRecord>> ReadRecordsAsync()
    {
        await using var context = _ledger.CreateContext();
        var prefix = _run + "-";
        return await context.Usage.Where(record => record.ClientRequestId!.StartsWith(prefix)).ToListAsync();
    }

    private async Task<Outcome> SendOneAsync(int request, Completions.CompletionsClient client, bool slow)
    {
        var kind = KindOf(request);
        var maxTokens = kind == Kind.Cancelled ? 200 : (slow ? 100 : 1) + (request % 4);
        var completion = MeshClient.Request(string.Create(CultureInfo.InvariantCulture, $"request {request}"), maxTokens);
        completion.RequestId = ClientId(request);
        var key = request % 2 == 0 ? Secrets.KeepsHistory : Secrets.KeepsNoHistory;
        switch (kind)
        {
            case Kind.Invalid:
                completion.Prompt = string.Empty;
                break;
            case Kind.Denied:
                completion.Priority = 50;
                break;
            case Kind.Capped:
                key = Secrets.Capped;
                break;
            default:
                break;
        }

        var delivered = 0;
        using var cancel = new CancellationTokenSource();
        try
        {
            var streamed = await StreamedCompletion.RunAsync(
                client,
                completion,
                delta =>
                {
                    delivered += delta.TokenIds.Count;
                    if (kind == Kind.Cancelled)
                    {
                        cancel.Cancel();
                    }
                },
                AccessHerdFixture.Bearer(key),
                cancel.Token);
            return new Outcome(request, kind, key, StatusCode.OK, streamed, delivered);
        }
        catch (RpcException exception)
        {
            return new Outcome(request, kind, key, exception.StatusCode, null, delivered) { Detail = exception.Status.Detail };
        }
        catch (OperationCanceledException)
        {
            return new Outcome(request, kind, key, StatusCode.Cancelled, null, delivered);
        }
    }

    /// <summary>The three keys of the load, as secrets.</summary>
    internal sealed record Keys(string KeepsHistory, string KeepsNoHistory, string Capped);

    /// <summary>How one request ended for its client.</summary>
    internal sealed record Outcome(int Request, Kind Kind, string Key, StatusCode Status, StreamedCompletion? Streamed, int DeliveredTokens)
    {
        /// <summary>True when the client heard from a node: the request was surely accepted.</summary>
        public bool Accepted => Streamed is not null || DeliveredTokens > 0;

        /// <summary>The status's message when the call failed, for a failing assertion to show.</summary>
        public string? Detail { get; init; }
    }
}
