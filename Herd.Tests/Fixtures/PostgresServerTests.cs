using Npgsql;

namespace Herd.Tests.Fixtures;

[Collection(WithServers.Name)]
public sealed class PostgresServerTests(ServersFixture servers)
{
    [Fact]
    public async Task PrivateServer_RoundTripsRowsInAFreshDatabase()
    {
        var connectionString = await servers.Postgres.CreateDatabaseAsync($"roundtrip_{Guid.NewGuid():N}");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();

        await using (var create = new NpgsqlCommand("CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using (var insert = new NpgsqlCommand("INSERT INTO notes VALUES (1, @body)", connection))
        {
            insert.Parameters.AddWithValue("body", "tokens: 42 ✓");
            await insert.ExecuteNonQueryAsync();
        }

        await using var select = new NpgsqlCommand("SELECT body, current_setting('port') FROM notes WHERE id = 1", connection);
        await using var reader = await select.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("tokens: 42 ✓", reader.GetString(0));
        Assert.Equal(servers.Postgres.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), reader.GetString(1));
    }
}
