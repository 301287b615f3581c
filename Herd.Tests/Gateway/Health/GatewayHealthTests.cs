using System.Globalization;
using System.Net;
using Grpc.Health.V1;
using Herd.Tests.Fixtures;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Herd.Tests.Gateway.Health;

/// <summary>
/// A gateway process with access control on, over a Redis and a PostgreSQL of the test's own
/// (they are stopped and started again): /health and the gRPC health service follow both.
/// </summary>
public sealed class GatewayHealthTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Gateway_IsReadyOnlyWhileRedisAndTheLedgerAreReachable_AndStaysAlive()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var postgres = await PostgresServer.StartAsync();
        var ledger = await postgres.CreateDatabaseAsync("herd");
        await using var gateway = GatewayProcess.Start("health-gateway", redis.ConnectionString, new Dictionary<string, string>
        {
            [GatewayProcess.LedgerConnection] = ledger,
        });
        await gateway.Process.WaitUntilStartedAsync();
        using var http = new HttpClient { BaseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{gateway.HttpPort}")) };
        var health = new Grpc.Health.V1.Health.HealthClient(gateway.Channel);

        await WaitUntilAsync(http, health, ready: true);

        await redis.StopAsync();
        await WaitUntilAsync(http, health, ready: false);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/alive", UriKind.Relative))).StatusCode);

        await redis.StartAgainAsync();
        await WaitUntilAsync(http, health, ready: true);

        await postgres.StopAsync();
        await WaitUntilAsync(http, health, ready: false);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/alive", UriKind.Relative))).StatusCode);

        await postgres.StartAgainAsync();
        await WaitUntilAsync(http, health, ready: true);
    }

    /// <summary>Polls until /health and the gRPC health service both say <paramref name="ready"/>; fails with what they said last.</summary>
    private static async Task WaitUntilAsync(HttpClient http, Grpc.Health.V1.Health.HealthClient health, bool ready)
    {
        var (expectedHttp, expectedGrpc) = ready ? (HttpStatusCode.OK, ServingStatus.Serving) : (HttpStatusCode.ServiceUnavailable, ServingStatus.NotServing);
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var httpStatus = (await http.GetAsync(new Uri("/health", UriKind.Relative))).StatusCode;
            var grpcStatus = (await health.CheckAsync(new HealthCheckRequest())).Status;
            if (httpStatus == expectedHttp && grpcStatus == expectedGrpc)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Expected /health {expectedHttp} and gRPC {expectedGrpc} within {Deadline}; last saw {httpStatus} and {grpcStatus}.");
            await Task.Delay(200);
        }
    }
}
