using Npgsql;

namespace Herd.Tests.Gateway.Ledger;

/// <summary>Reads the ledger database around EF Core, the way an operator with psql would see it.</summary>
internal static class RawSql
{
    /// <summary>The first column of every row.</summary>
    public static async Task<List<string>> StringsAsync(string connectionString, string sql) =>
        [.. (await RowsAsync(connectionString, sql)).Select(row => Convert.ToString(row[0], System.Globalization.CultureInfo.InvariantCulture) ?? "")];

    /// <summary>Every column of every row, nulls as <see cref="DBNull"/>.</summary>
    public static async Task<List<object[]>> RowsAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object[]>();
        while (await reader.ReadAsync())
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>The ledger's tables, migration history aside, by name.</summary>
    public static Task<List<string>> TablesAsync(string connectionString) => StringsAsync(connectionString,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '__EFMigrationsHistory' ORDER BY table_name COLLATE \"C\"");

    public static Task<List<string>> AppliedMigrationsAsync(string connectionString) =>
        StringsAsync(connectionString, "SELECT \"MigrationId\" FROM \"__EFMigrationsHistory\" ORDER BY 1");
}
