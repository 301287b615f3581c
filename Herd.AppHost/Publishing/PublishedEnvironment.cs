using Herd.AppHost.Hosting;

namespace Herd.AppHost.Publishing;

/// <summary>
/// The environment of a project as a deployment sees it, before a publisher writes it in its own
/// terms (Aspire expressions, Kubernetes values and secret references): literals, where to
/// listen, parameters, connection strings and other projects' endpoints. What only makes sense
/// on the machine that runs the herd locally (files of the working copy, loopback ports) is left out.
/// </summary>
public static class PublishedEnvironment
{
    /// <summary>Every published environment variable of a project, in a stable order.</summary>
    /// <param name="otlpEndpoint">where every process sends its telemetry, or null</param>
    public static IReadOnlyList<PublishedVariable> Of(HerdResource project, string? otlpEndpoint)
    {
        ArgumentNullException.ThrowIfNull(project);
        var environment = new List<PublishedVariable> { new("OTEL_SERVICE_NAME", new PublishedValue.Text(project.Name)) };
        if (otlpEndpoint is { Length: > 0 })
        {
            environment.Add(new("OTEL_EXPORTER_OTLP_ENDPOINT", new PublishedValue.Text(otlpEndpoint)));
        }

        foreach (var endpoint in project.Endpoints.Where(endpoint => endpoint.IsHttp))
        {
            environment.Add(new($"Kestrel__Endpoints__{endpoint.Name}__Url", new PublishedValue.ListenUrl(project, endpoint)));
            environment.Add(new($"Kestrel__Endpoints__{endpoint.Name}__Protocols", new PublishedValue.Text(endpoint.Protocols)));
        }

        foreach (var (name, value) in project.Environment)
        {
            PublishedValue? published = value switch
            {
                EnvironmentValue.Literal literal => new PublishedValue.Text(literal.Value),
                EnvironmentValue.ParameterReference parameter => new PublishedValue.Parameter(parameter.Parameter),
                EnvironmentValue.MountedFolder folder => new PublishedValue.Text(folder.MountPath),
                _ => null,
            };
            if (published is not null)
            {
                environment.Add(new(name, published));
            }
        }

        foreach (var reference in project.References)
        {
            if (reference.HasConnectionString)
            {
                environment.Add(new($"ConnectionStrings__{reference.Name}", new PublishedValue.ConnectionString(reference)));
                continue;
            }

            foreach (var endpoint in reference.Endpoints)
            {
                environment.Add(new($"services__{reference.Name}__{endpoint.Key}__0", new PublishedValue.EndpointUrl(reference, endpoint)));
            }
        }

        return environment;
    }
}

/// <summary>One published environment variable.</summary>
public sealed record PublishedVariable(string Name, PublishedValue Value);

/// <summary>What a published environment variable holds, for each publisher to write in its terms.</summary>
public abstract record PublishedValue
{
    /// <summary>A fixed value.</summary>
    public sealed record Text(string Value) : PublishedValue;

    /// <summary>Where the project listens: every address, on the endpoint's target port.</summary>
    public sealed record ListenUrl(HerdResource Project, ResourceEndpoint Endpoint) : PublishedValue;

    /// <summary>A parameter's value, a secret the deployment supplies.</summary>
    public sealed record Parameter(HerdResource Resource) : PublishedValue;

    /// <summary>A server's or database's connection string.</summary>
    public sealed record ConnectionString(HerdResource Resource) : PublishedValue;

    /// <summary>Another project's endpoint URL.</summary>
    public sealed record EndpointUrl(HerdResource Resource, ResourceEndpoint Endpoint) : PublishedValue;
}
