namespace Herd.AppHost.Hosting;

/// <summary>Fluent configuration of one resource, in the style of Aspire's <c>IResourceBuilder</c>.</summary>
public sealed class ResourceBuilder(HerdResource resource, AppModel model)
{
    public HerdResource Resource { get; } = resource;

    /// <param name="name">The Kestrel endpoint's name (<c>Grpc</c>, <c>Http</c>) or <c>Tcp</c> for a server.</param>
    /// <param name="protocols"><c>Http1</c>, <c>Http2</c> or <c>Tcp</c>.</param>
    /// <param name="targetPort">The port inside the container when published.</param>
    public ResourceBuilder WithEndpoint(string name, string protocols, int targetPort)
    {
        Resource.Endpoints.Add(new ResourceEndpoint(name, protocols, targetPort));
        return this;
    }

    public ResourceBuilder WithEnvironment(string name, EnvironmentValue value)
    {
        Resource.Environment[name] = value;
        return this;
    }

    /// <summary>An environment variable holding a parameter's value (published as a reference to the parameter).</summary>
    public ResourceBuilder WithEnvironment(string name, ResourceBuilder parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        if (parameter.Resource.Kind != ResourceKind.Parameter)
        {
            throw new ArgumentException($"{parameter.Resource.Name} is not a parameter.", nameof(parameter));
        }

        return WithEnvironment(name, new EnvironmentValue.ParameterReference(parameter.Resource));
    }

    /// <summary>An environment variable made when a replica starts (another resource's URL, a port): left out when published.</summary>
    public ResourceBuilder WithEnvironment(string name, Func<int, string> perReplica) =>
        WithEnvironment(name, new EnvironmentValue.LocalOnly(perReplica));

    /// <summary>How many processes (pods, when published) run the resource; 0 declares it without running any.</summary>
    public ResourceBuilder WithReplicas(int replicas)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(replicas);
        Resource.Replicas = replicas;
        return this;
    }

    public ResourceBuilder WithReference(ResourceBuilder other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Resource.References.Add(other.Resource);
        return this;
    }

    /// <summary>A database on this PostgreSQL server, referenced by <paramref name="name"/> (<c>ConnectionStrings__&lt;name&gt;</c>).</summary>
    public ResourceBuilder AddDatabase(string name, string? databaseName = null)
    {
        if (Resource.Kind != ResourceKind.Postgres)
        {
            throw new InvalidOperationException($"{Resource.Name} is not a PostgreSQL server.");
        }

        var database = databaseName ?? name;
        var server = Resource;
        return model.Add(new HerdResource(name, ResourceKind.Database)
        {
            Parent = server,
            DatabaseName = database,
            ConnectionString = () => server.ConnectionString!() + ";Database=" + database,
        });
    }
}
