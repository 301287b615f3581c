using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Tests.Fixtures;
using Herd.Tests.Gateway.History;

namespace Herd.Tests.Gateway.Admin;

/// <summary>The ledger services while the ledger's PostgreSQL is gone: UNAVAILABLE, saying what to do.</summary>
[Collection(WithServers.Name)]
public sealed class LedgerOutageTests(ServersFixture servers)
{
    [Fact]
    public async Task LedgerCalls_WhilePostgresIsDown_AreUnavailable()
    {
        var postgres = await PostgresServer.StartAsync();
        var stopped = false;
        try
        {
            await using var gateway = await AccessGatewayHost.StartAsync(servers, await postgres.CreateDatabaseAsync("ledger"));
            var admin = AccessGatewayHost.Bearer(gateway.AdminKey);
            // Verified now, so the key check serves from its cache during the outage and the call reaches the ledger.
            Assert.Single((await gateway.Keys.ListKeysAsync(new ListKeysRequest(), admin)).Keys);
            Assert.Empty((await gateway.History.ListMineAsync(UsageSeed.MineAroundNoon(), admin)).Entries);

            await postgres.DisposeAsync();
            stopped = true;

            var errors = new[]
            {
                await Assert.ThrowsAsync<RpcException>(() => gateway.Keys.ListKeysAsync(new ListKeysRequest(), admin).ResponseAsync),
                await Assert.ThrowsAsync<RpcException>(() => gateway.History.ListMineAsync(UsageSeed.MineAroundNoon(), admin).ResponseAsync),
            };
            Assert.All(errors, error =>
            {
                Assert.Equal(StatusCode.Unavailable, error.StatusCode);
                Assert.Contains("ledger database (PostgreSQL)", error.Status.Detail, StringComparison.Ordinal);
                Assert.Contains("retry shortly", error.Status.Detail, StringComparison.Ordinal);
            });
        }
        finally
        {
            if (!stopped)
            {
                await postgres.DisposeAsync();
            }
        }
    }
}
