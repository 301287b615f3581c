using Herd.Gateway.Admission.Limits;
using Herd.Tests.Fixtures;
using StackExchange.Redis;

namespace Herd.Tests.Gateway.Limits;

/// <summary>
/// A connection to the shared test Redis, with a key prefix of one test's own; a test class opens
/// it in InitializeAsync and closes it in DisposeAsync.
/// </summary>
internal sealed class LimitsRedis(RedisServer server)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private ConnectionMultiplexer? _connection;

    public ConnectionMultiplexer Connection => _connection ?? throw new InvalidOperationException("The connection is not open.");

    public string Prefix { get; } = $"limits-test-{Guid.NewGuid():N}:";

    public async Task OpenAsync() => _connection = await server.ConnectAsync();

    public UsageLimiter Limiter() => new(Connection, Prefix);

    /// <summary>Every key under this test's prefix that matches <paramref name="pattern"/> after it.</summary>
    public Task<IReadOnlyList<string>> KeysUnderPrefixAsync(string pattern = "*") => KeysAsync(Prefix + pattern);

    /// <summary>Every key of the server that matches <paramref name="pattern"/>, whoever wrote it.</summary>
    public async Task<IReadOnlyList<string>> KeysAsync(string pattern)
    {
        var server = Connection.GetServer(Connection.GetEndPoints()[0]);
        var keys = new List<string>();
        await foreach (var key in server.KeysAsync(pattern: pattern))
        {
            keys.Add(key!);
        }

        return keys;
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not seen within {Deadline}: {what}.");
            }

            await Task.Delay(50);
        }
    }

    public async Task CloseAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
