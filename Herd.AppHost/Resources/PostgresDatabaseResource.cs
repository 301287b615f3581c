using System.Data.Common;

namespace Herd.AppHost.Resources;

/// <summary>A database on a <see cref="PostgresServerResource"/>, created once the server answers; its connection string is the server's with <c>;Database=…</c>.</summary>
public sealed class PostgresDatabaseResource(string name, string databaseName, PostgresServerResource server)
    : Resource(name), IResourceWithParent<PostgresServerResource>, IResourceWithConnectionString
{
    public PostgresServerResource Parent { get; } = server;

    public string DatabaseName { get; } = databaseName;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Parent};{new DbConnectionStringBuilder { ["Database"] = DatabaseName }.ConnectionString}");

    IEnumerable<KeyValuePair<string, ReferenceExpression>> IResourceWithConnectionString.GetConnectionProperties() =>
        Parent.CombineProperties([new("DatabaseName", ReferenceExpression.Create($"{DatabaseName}"))]);
}
