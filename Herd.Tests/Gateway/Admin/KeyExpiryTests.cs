using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Tests.Fixtures;
using Herd.Tests.Gateway.Access.Keys;
using Herd.Tests.Gateway.History;

namespace Herd.Tests.Gateway.Admin;

/// <summary>A key created through <c>herd.v1.Keys</c> with an expiry, on a gateway whose clock the test moves.</summary>
[Collection(WithServers.Name)]
public sealed class KeyExpiryTests(ServersFixture servers)
{
    [Fact]
    public async Task CreatedKey_Works_ThenIsRefusedOnceItExpires()
    {
        var clock = new SettableClock();
        await using var gateway = await AccessGatewayHost.StartAsync(servers, time: clock);
        var created = await gateway.Keys.CreateKeyAsync(
            new CreateKeyRequest { Name = "day pass", Role = "user", ExpiresAt = Timestamp.FromDateTimeOffset(clock.GetUtcNow().AddHours(1)) },
            AccessGatewayHost.Bearer(gateway.AdminKey));
        var key = AccessGatewayHost.Bearer(created.Secret);
        Assert.Empty((await gateway.History.ListMineAsync(UsageSeed.MineAroundNoon(), key)).Entries);

        clock.Advance(TimeSpan.FromHours(2));

        var error = await Assert.ThrowsAsync<RpcException>(() => gateway.History.ListMineAsync(UsageSeed.MineAroundNoon(), key).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Contains("expired", error.Status.Detail, StringComparison.Ordinal);
    }
}
