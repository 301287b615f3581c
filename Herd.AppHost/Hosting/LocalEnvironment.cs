namespace Herd.AppHost.Hosting;

/// <summary>
/// The environment of one replica's process when the herd runs here, in the names Aspire uses,
/// so the services need no Herd-specific wiring.
/// </summary>
internal static class LocalEnvironment
{
    public static Dictionary<string, string> For(HerdResource resource, int replica, AppModel model)
    {
        var environment = new Dictionary<string, string>();
        if (resource.Kind == ResourceKind.Project)
        {
            AddProjectDefaults(environment, resource, replica, model);
        }

        foreach (var (name, value) in resource.Environment)
        {
            environment[name] = value.Resolve(replica);
        }

        foreach (var reference in resource.References)
        {
            AddReference(environment, reference);
        }

        return environment;
    }

    private static void AddProjectDefaults(Dictionary<string, string> environment, HerdResource resource, int replica, AppModel model)
    {
        environment["OTEL_SERVICE_NAME"] = resource.Name;
        environment["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={resource.ReplicaName(replica)}";
        if (model.OtlpEndpoint is { Length: > 0 } otlp)
        {
            environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp;
        }

        // One line per log entry, so relayed logs stay readable under the resource's prefix.
        environment["Logging__Console__FormatterName"] = "simple";
        environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        foreach (var endpoint in resource.Endpoints.Where(endpoint => endpoint.IsHttp))
        {
            environment[$"Kestrel__Endpoints__{endpoint.Name}__Url"] = endpoint.UrlOf(replica);
            environment[$"Kestrel__Endpoints__{endpoint.Name}__Protocols"] = endpoint.Protocols;
        }
    }

    private static void AddReference(Dictionary<string, string> environment, HerdResource reference)
    {
        if (reference.HasConnectionString)
        {
            environment[$"ConnectionStrings__{reference.Name}"] = reference.ConnectionString!();
            return;
        }

        // Every replica, as service discovery's list: a node links to each gateway replica.
        foreach (var endpoint in reference.Endpoints)
        {
            for (var replica = 0; replica < reference.Replicas; replica++)
            {
                environment[$"services__{reference.Name}__{endpoint.Key}__{replica}"] = endpoint.UrlOf(replica);
            }
        }
    }
}
