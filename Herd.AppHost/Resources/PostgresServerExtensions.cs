using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using AspirePostgresServer = Aspire.Hosting.ApplicationModel.PostgresServerResource;

namespace Herd.AppHost.Resources;

/// <summary>
/// Adds the herd's PostgreSQL: this machine's server when it runs here, Aspire's PostgreSQL
/// container when published.
/// </summary>
public static partial class PostgresServerExtensions
{
    /// <summary>
    /// Adds PostgreSQL under <paramref name="name"/>. Run here: a private server on loopback with its
    /// data in the state folder (<c>.herd/postgres/data</c>, initialised on first start, superuser
    /// <c>herd</c> with a made-up password kept in <c>.herd/postgres/password</c>), run as the
    /// <c>postgres</c> user when the app host is root. Published: Aspire's standard container, its
    /// password the <c>&lt;name&gt;-password</c> parameter, its data on the volume <c>&lt;name&gt;-data</c>. <c>WaitFor</c> waits until it accepts connections.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddPostgresServer(this IDistributedApplicationBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.ExecutionContext.IsPublishMode)
        {
            return builder.AddPostgres(name).WithDataVolume($"{name}-data");
        }

        var instance = new PostgresInstance(builder.StateFolder().Path(name));
        var password = builder.AddParameter($"{name}-password", () => instance.Password, secret: true).Resource;
        var server = new PostgresServerResource(name, instance, password);

        string? connectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(server, async (_, cancellationToken) =>
            connectionString = await server.ConnectionStringExpression.GetValueAsync(cancellationToken));
        builder.Eventing.Subscribe<ResourceReadyEvent>(server, (ready, cancellationToken) =>
            CreateDatabasesAsync(server, connectionString!, ready.Services, cancellationToken));
        builder.Eventing.Subscribe<ResourceStoppedEvent>(server, (stopped, _) =>
            PublishDatabasesStateAsync(server, stopped.Services, KnownResourceStates.Finished));
        var healthCheck = $"{name}_check";
        builder.Services.AddHealthChecks().AddNpgSql(
            _ => ServerConnectionString(connectionString ?? throw new InvalidOperationException($"{name}'s connection string is not known yet.")),
            name: healthCheck);

        var (executable, arguments) = instance.ServerCommand();
        return builder.AddResource(server)
            .WithCommand(executable)
            .WithEndpoint(name: PostgresServerResource.PrimaryEndpointName, scheme: "tcp", isProxied: false)
            .WithArgs(context =>
            {
                foreach (var argument in arguments)
                {
                    context.Args.Add(argument);
                }

                context.Args.Add("-p");
                context.Args.Add(server.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
            })
            .WithHealthCheck(healthCheck)
            .WithAnnotation(new StopSignalAnnotation(Posix.SigInt));
    }

    /// <summary>
    /// Adds a database on the server (<paramref name="databaseName"/>, or the resource name), created
    /// when the server first answers; referencing projects get its connection string.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddDatabase(this IResourceBuilder<IResourceWithConnectionString> server, string name, string? databaseName = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        return server.Resource switch
        {
            // Named in full: this class's own AddDatabase is nearer and would call itself.
            AspirePostgresServer container => PostgresBuilderExtensions.AddDatabase(server.ApplicationBuilder.CreateResourceBuilder(container), name, databaseName),
            PostgresServerResource local => AddLocalDatabase(server.ApplicationBuilder, local, name, databaseName ?? name),
            _ => throw new ArgumentException($"{server.Resource.Name} is not a PostgreSQL server resource.", nameof(server)),
        };
    }

    private static IResourceBuilder<IResourceWithConnectionString> AddLocalDatabase(IDistributedApplicationBuilder builder, PostgresServerResource server, string name, string databaseName)
    {
        var database = new PostgresDatabaseResource(name, databaseName, server);
        server.AddDatabase(name, databaseName);
        string? connectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(database, async (_, cancellationToken) =>
            connectionString = await database.ConnectionStringExpression.GetValueAsync(cancellationToken));
        var healthCheck = $"{name}_check";
        builder.Services.AddHealthChecks().AddNpgSql(
            _ => connectionString ?? throw new InvalidOperationException($"{name}'s connection string is not known yet."),
            name: healthCheck);
        return builder.AddResource(database).WithHealthCheck(healthCheck);
    }

    /// <summary>
    /// Creates the server's databases, then marks them running: Aspire gives a database on a
    /// container the state of its server, but not one on an executable, and its health checks
    /// (what <c>WaitFor</c> waits on) run only once it is running.
    /// </summary>
    private static async Task CreateDatabasesAsync(PostgresServerResource server, string connectionString, IServiceProvider services, CancellationToken cancellationToken)
    {
        var logger = services.GetRequiredService<ResourceLoggerService>().GetLogger(server);
        await using var connection = new NpgsqlConnection(ServerConnectionString(connectionString));
        await connection.OpenAsync(cancellationToken);
        foreach (var databaseName in server.Databases.Values)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"CREATE DATABASE {new NpgsqlCommandBuilder().QuoteIdentifier(databaseName)}";
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
                LogCreated(logger, databaseName);
            }
            catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.DuplicateDatabase)
            {
                // Kept from an earlier run.
            }
        }

        await PublishDatabasesStateAsync(server, services, KnownResourceStates.Running);
    }

    private static async Task PublishDatabasesStateAsync(PostgresServerResource server, IServiceProvider services, string state)
    {
        var notifications = services.GetRequiredService<ResourceNotificationService>();
        foreach (var database in services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<PostgresDatabaseResource>().Where(database => database.Parent == server))
        {
            await notifications.PublishUpdateAsync(database, snapshot => snapshot with
            {
                State = state,
                StartTimeStamp = state == KnownResourceStates.Running ? DateTime.UtcNow : snapshot.StartTimeStamp,
                StopTimeStamp = state == KnownResourceStates.Running ? null : DateTime.UtcNow,
            });
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created database {Database}")]
    private static partial void LogCreated(ILogger logger, string database);

    // Npgsql would otherwise open the database named like the user, which need not exist.
    private static string ServerConnectionString(string connectionString) => connectionString + ";Database=postgres";
}
