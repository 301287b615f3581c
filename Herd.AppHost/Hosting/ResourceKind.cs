namespace Herd.AppHost.Hosting;

/// <summary>What a resource of the app model is; the runner and the publishers treat each kind in its own way.</summary>
public enum ResourceKind
{
    /// <summary>A .NET project of this repository: a process here, a container image when published.</summary>
    Project,

    /// <summary>A Redis server: a private <c>redis-server</c> here, a container when published.</summary>
    Redis,

    /// <summary>A PostgreSQL server: a private <c>postgres</c> here, a container when published.</summary>
    Postgres,

    /// <summary>A database on a PostgreSQL server: no process of its own, only a connection string.</summary>
    Database,

    /// <summary>A server that runs elsewhere, known by the connection string in the app host's configuration.</summary>
    ConnectionString,

    /// <summary>A value given to the herd from outside (a secret such as the node secret).</summary>
    Parameter,
}
