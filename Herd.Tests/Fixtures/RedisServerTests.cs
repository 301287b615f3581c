using StackExchange.Redis;

namespace Herd.Tests.Fixtures;

[Collection(WithServers.Name)]
public sealed class RedisServerTests(ServersFixture servers)
{
    [Fact]
    public async Task PrivateServer_RoundTripsValuesOverARealConnection()
    {
        await using var connection = await servers.Redis.ConnectAsync();
        var database = connection.GetDatabase();
        var key = new RedisKey($"herd-tests:{Guid.NewGuid():N}");

        await database.ListRightPushAsync(key, ["first", "second"]);
        var popped = await database.ListLeftPopAsync(key);
        var remaining = await database.ListRangeAsync(key);

        Assert.Equal("first", popped);
        Assert.Equal(["second"], remaining.Select(value => value.ToString()));
        Assert.Contains($":{servers.Redis.Port}", connection.GetEndPoints().Single().ToString(), StringComparison.Ordinal);
    }
}
