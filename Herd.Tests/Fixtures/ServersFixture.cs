namespace Herd.Tests.Fixtures;

/// <summary>
/// One private Redis and one private PostgreSQL for every test in the <see cref="WithServers"/>;
/// started together, torn down after the last test.
/// </summary>
public sealed class ServersFixture : IAsyncLifetime
{
    private RedisServer? _redis;
    private PostgresServer? _postgres;

    public RedisServer Redis => _redis ?? throw new InvalidOperationException("The fixture has not started.");

    public PostgresServer Postgres => _postgres ?? throw new InvalidOperationException("The fixture has not started.");

    public async Task InitializeAsync()
    {
        var redis = RedisServer.StartAsync();
        var postgres = PostgresServer.StartAsync();
        try
        {
            await Task.WhenAll(redis, postgres);
        }
        catch
        {
            // Stop whichever did start; the fixture holds nothing when its start fails.
            if (redis.IsCompletedSuccessfully)
            {
                await redis.Result.DisposeAsync();
            }

            if (postgres.IsCompletedSuccessfully)
            {
                await postgres.Result.DisposeAsync();
            }

            throw;
        }

        _redis = redis.Result;
        _postgres = postgres.Result;
    }

    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class WithServers : ICollectionFixture<ServersFixture>
{
    public const string Name = "servers";
}
