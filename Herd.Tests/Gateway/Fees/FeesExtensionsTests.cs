using Herd.Gateway.Admission;
using Herd.Gateway.Admission.Fees;
using Herd.Gateway.Ledger;
using Herd.Gateway.Queue;
using Herd.Tests.Fixtures;
using Herd.Tests.Gateway.Ledger;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Herd.Tests.Gateway.Fees;

[Collection(WithServers.Name)]
public sealed class FeesExtensionsTests(ServersFixture servers)
{
    [Fact]
    public async Task AddFees_AfterLedgerAndMesh_KeepsBudgetsUnderTheQueuePrefix()
    {
        var prefix = $"fees-wiring-{Guid.NewGuid():N}:";
        await using var ledger = await LedgerHost.CreateAsync(servers.Postgres);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{LedgerExtensions.LedgerConnectionName}"] = ledger.ConnectionString,
            [$"ConnectionStrings:{QueueExtensions.RedisConnectionName}"] = servers.Redis.ConnectionString,
            ["Herd:Gateway:Queue:KeyPrefix"] = prefix,
            ["Herd:Gateway:Fees:Currency"] = "EUR",
        });
        builder.AddLedger();
        builder.AddQueue();
        builder.AddFees();
        await using var services = builder.Services.BuildServiceProvider();
        var keyId = BudgetTestBed.NewKeyId();

        var admission = await services.GetRequiredService<BudgetKeeper>().ReserveAsync(keyId, budget: 1m, maxFee: 0.25m);

        await using var redis = await servers.Redis.ConnectAsync();
        Assert.True(admission.IsAdmitted);
        Assert.Equal("250000000", (string?)await redis.GetDatabase().StringGetAsync($"{prefix}budget:{keyId}"));
        Assert.Equal("EUR", services.GetRequiredService<PriceTable>().Currency);
    }
}
