using Herd.AppHost.Hosting;

namespace Herd.AppHost.Publishing;

/// <summary>
/// The environment of a project as a deployment sees it, in Aspire's placeholder expressions
/// (<c>{redis.connectionString}</c>, <c>{gateway.bindings.grpc.url}</c>); what only makes sense on
/// the machine that runs the herd locally (files of the working copy, loopback ports) is left out.
/// </summary>
public static class ManifestExpressions
{
    /// <summary>Every published environment variable of a project, in a stable order.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> EnvironmentOf(HerdResource project, AppModel model)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(model);
        var environment = new List<KeyValuePair<string, string>>
        {
            new("OTEL_SERVICE_NAME", project.Name),
        };
        if (model.OtlpEndpoint is { Length: > 0 } otlp)
        {
            environment.Add(new("OTEL_EXPORTER_OTLP_ENDPOINT", otlp));
        }

        foreach (var endpoint in project.Endpoints.Where(endpoint => endpoint.IsHttp))
        {
            environment.Add(new($"Kestrel__Endpoints__{endpoint.Name}__Url", $"http://+:{{{project.Name}.bindings.{endpoint.Key}.targetPort}}"));
            environment.Add(new($"Kestrel__Endpoints__{endpoint.Name}__Protocols", endpoint.Protocols));
        }

        foreach (var (name, value) in project.Environment)
        {
            if (Expression(value) is { } expression)
            {
                environment.Add(new(name, expression));
            }
        }

        foreach (var reference in project.References)
        {
            if (reference.HasConnectionString)
            {
                environment.Add(new($"ConnectionStrings__{reference.Name}", $"{{{reference.Name}.connectionString}}"));
                continue;
            }

            foreach (var endpoint in reference.Endpoints)
            {
                environment.Add(new($"services__{reference.Name}__{endpoint.Key}__0", $"{{{reference.Name}.bindings.{endpoint.Key}.url}}"));
            }
        }

        return environment;
    }

    /// <summary>The published form of a value, or null for one that only holds on this machine.</summary>
    public static string? Expression(EnvironmentValue value) => value switch
    {
        EnvironmentValue.Literal literal => literal.Value,
        EnvironmentValue.ParameterReference parameter => $"{{{parameter.Parameter.Name}.value}}",
        EnvironmentValue.MountedFolder folder => folder.MountPath,
        _ => null,
    };
}
