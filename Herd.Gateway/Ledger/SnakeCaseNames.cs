using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Herd.Gateway.Ledger;

/// <summary>
/// Gives every column, key, index and foreign key a snake_case name (<c>time_to_first_token</c>,
/// <c>ix_usage_records_key_id_received_at</c>), the way hand-written PostgreSQL reads, so that
/// the tables need no quoting in psql.
/// </summary>
internal static class SnakeCaseNames
{
    /// <summary>Renames after the tables are named and every key and index is declared.</summary>
    public static void Apply(ModelBuilder modelBuilder)
    {
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            var table = entity.GetTableName() ?? throw new InvalidOperationException($"{entity.DisplayName()} has no table.");
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(Of(property.Name));
            }

            foreach (var key in entity.GetKeys().Where(key => key.IsPrimaryKey()))
            {
                key.SetName($"pk_{table}");
            }

            foreach (var index in entity.GetIndexes())
            {
                index.SetDatabaseName($"ix_{table}_{Columns(index.Properties)}");
            }

            foreach (var foreignKey in entity.GetForeignKeys())
            {
                foreignKey.SetConstraintName($"fk_{table}_{foreignKey.PrincipalEntityType.GetTableName()}_{Columns(foreignKey.Properties)}");
            }
        }
    }

    /// <summary><c>TimeToFirstToken</c> becomes <c>time_to_first_token</c>.</summary>
    public static string Of(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var snake = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var character = name[i];
            if (char.IsUpper(character) && i > 0 && (!char.IsUpper(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]))))
            {
                snake.Append('_');
            }

            snake.Append(char.ToLowerInvariant(character));
        }

        return snake.ToString();
    }

    private static string Columns(IEnumerable<IMutableProperty> properties) => string.Join('_', properties.Select(property => Of(property.Name)));
}
