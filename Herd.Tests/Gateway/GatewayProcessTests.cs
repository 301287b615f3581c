using System.Globalization;
using System.Net;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Herd.Tests.Fixtures;

namespace Herd.Tests.Gateway;

[Collection(WithServers.Name)]
public sealed class GatewayProcessTests(ServersFixture servers)
{
    [Fact]
    public async Task Gateway_AnswersHealthOverHttpAndGrpc()
    {
        var (grpcPort, httpPort) = (FreePort.Next(), FreePort.Next());
        await using var gateway = StartGateway(grpcPort, httpPort);
        await gateway.WaitUntilStartedAsync();

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        var health = await http.GetAsync(new Uri("/health", UriKind.Relative));
        var alive = await http.GetAsync(new Uri("/alive", UriKind.Relative));

        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        var grpcHealth = await new Grpc.Health.V1.Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, grpcHealth.Status);
    }

    [Fact]
    public async Task Gateway_StopsCleanlyOnSigint()
    {
        await using var gateway = StartGateway(FreePort.Next(), FreePort.Next());
        await gateway.WaitUntilStartedAsync();

        var exitCode = await gateway.StopAsync(Posix.SigInt, TimeSpan.FromSeconds(30));

        Assert.Equal(0, exitCode);
        Assert.Contains("Application is shutting down", gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gateway_WithoutRedis_RefusesToStart_SayingWhatToSet()
    {
        await using var gateway = HerdService.Start("Herd.Gateway", []);

        var exitCode = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        Assert.Contains("ConnectionStrings:redis is not set", gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gateway_WhileRedisIsUnreachable_AnswersUnavailableSayingSo()
    {
        var grpcPort = FreePort.Next();
        // Nothing listens on this port.
        await using var gateway = HerdService.Start("Herd.Gateway",
        [
            string.Create(CultureInfo.InvariantCulture, $"--Kestrel:Endpoints:Grpc:Url=http://127.0.0.1:{grpcPort}"),
            string.Create(CultureInfo.InvariantCulture, $"--Kestrel:Endpoints:Http:Url=http://127.0.0.1:{FreePort.Next()}"),
            string.Create(CultureInfo.InvariantCulture, $"--ConnectionStrings:redis=127.0.0.1:{FreePort.Next()},connectTimeout=500"),
            "--Herd:Gateway:Access:Enabled=false",
        ]);
        await gateway.WaitUntilStartedAsync();
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");

        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () =>
            await new Herd.Contracts.V1.Catalog.CatalogClient(channel).ListModelsAsync(new Herd.Contracts.V1.ListModelsRequest()));

        Assert.Equal(Grpc.Core.StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("Redis", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gateway_WithAMalformedRedisConnectionString_RefusesToStart_SayingWhy()
    {
        await using var gateway = HerdService.Start("Herd.Gateway", ["--ConnectionStrings:redis=localhost:notaport"]);

        var exitCode = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        Assert.Contains("is not a Redis connection string", gateway.Output, StringComparison.Ordinal);
    }

    private ChildProcess StartGateway(int grpcPort, int httpPort) => HerdService.Start("Herd.Gateway",
    [
        string.Create(CultureInfo.InvariantCulture, $"--Kestrel:Endpoints:Grpc:Url=http://127.0.0.1:{grpcPort}"),
        string.Create(CultureInfo.InvariantCulture, $"--Kestrel:Endpoints:Http:Url=http://127.0.0.1:{httpPort}"),
        $"--ConnectionStrings:redis={servers.Redis.ConnectionString}",
        "--Herd:Gateway:Access:Enabled=false",
    ]);
}
