using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herd.AppHost.Hosting;

namespace Herd.AppHost.Publishing;

/// <summary>
/// Writes the app model in the Aspire manifest format (<c>--publisher manifest</c>), which
/// deployment tools such as aspirate turn into Kubernetes objects: servers become containers,
/// projects keep their project paths, and references become placeholder expressions.
/// </summary>
public static class ManifestPublisher
{
    public const string Name = "manifest";

    /// <summary>The JSON schema of the manifest format, which editors use to check the file.</summary>
    public const string Schema = "https://json.schemastore.org/aspire-8.0.json";

    /// <summary>The container images servers are published as.</summary>
    public const string RedisImage = "docker.io/library/redis:7.4";

    public const string PostgresImage = "docker.io/library/postgres:17.6";

    // Placeholders such as http://+:{...} stay readable: the manifest is a file for tools and people, never HTML.
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task WriteAsync(AppModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var manifest = Build(model, folder);
        await File.WriteAllTextAsync(path, manifest.ToJsonString(Indented) + Environment.NewLine);
    }

    /// <param name="manifestFolder">the folder the manifest is written to: project paths are relative to it</param>
    public static JsonObject Build(AppModel model, string manifestFolder)
    {
        ArgumentNullException.ThrowIfNull(model);
        var resources = new JsonObject();
        foreach (var resource in model.Resources)
        {
            switch (resource.Kind)
            {
                case ResourceKind.Parameter:
                    resources[resource.Name] = Parameter(resource.Name, resource.IsSecret, generate: true);
                    break;
                case ResourceKind.ConnectionString:
                    var connection = Parameter(resource.Name, secret: true, generate: false);
                    connection["connectionString"] = $"{{{resource.Name}.value}}";
                    resources[resource.Name] = connection;
                    break;
                case ResourceKind.Redis:
                    resources[resource.Name] = Redis(resource);
                    break;
                case ResourceKind.Postgres:
                    resources[resource.Name + "-password"] = Parameter(resource.Name + "-password", secret: true, generate: true);
                    resources[resource.Name] = Postgres(resource);
                    break;
                case ResourceKind.Database:
                    resources[resource.Name] = new JsonObject
                    {
                        ["type"] = "value.v0",
                        ["connectionString"] = $"{{{resource.Parent!.Name}.connectionString}};Database={resource.DatabaseName}",
                    };
                    break;
                case ResourceKind.Project:
                    resources[resource.Name] = Project(resource, model, manifestFolder);
                    break;
                default:
                    throw new InvalidOperationException($"{resource.Name} is a {resource.Kind}, which the manifest publisher does not know.");
            }
        }

        return new JsonObject { ["$schema"] = Schema, ["resources"] = resources };
    }

    private static JsonObject Parameter(string name, bool secret, bool generate)
    {
        var input = new JsonObject { ["type"] = "string" };
        if (secret)
        {
            input["secret"] = true;
        }

        if (generate)
        {
            input["default"] = new JsonObject { ["generate"] = new JsonObject { ["minLength"] = 32, ["special"] = false } };
        }

        return new JsonObject
        {
            ["type"] = "parameter.v0",
            ["value"] = $"{{{name}.inputs.value}}",
            ["inputs"] = new JsonObject { ["value"] = input },
        };
    }

    private static JsonObject Redis(HerdResource redis) => new()
    {
        ["type"] = "container.v0",
        ["connectionString"] = $"{{{redis.Name}.bindings.tcp.host}}:{{{redis.Name}.bindings.tcp.port}}",
        ["image"] = RedisImage,
        // The queue survives a restart of Redis, as it does when the herd runs locally.
        ["args"] = new JsonArray("--appendonly", "yes"),
        ["volumes"] = new JsonArray(Volume(redis.Name + "-data", "/data")),
        ["bindings"] = Bindings(redis),
    };

    private static JsonObject Postgres(HerdResource postgres)
    {
        var password = $"{{{postgres.Name}-password.value}}";
        return new JsonObject
        {
            ["type"] = "container.v0",
            ["connectionString"] = $"Host={{{postgres.Name}.bindings.tcp.host}};Port={{{postgres.Name}.bindings.tcp.port}};Username=postgres;Password={password}",
            ["image"] = PostgresImage,
            ["env"] = new JsonObject
            {
                ["POSTGRES_HOST_AUTH_METHOD"] = "scram-sha-256",
                ["POSTGRES_INITDB_ARGS"] = "--auth-host=scram-sha-256 --auth-local=scram-sha-256",
                ["POSTGRES_USER"] = "postgres",
                ["POSTGRES_PASSWORD"] = password,
            },
            ["volumes"] = new JsonArray(Volume(postgres.Name + "-data", "/var/lib/postgresql/data")),
            ["bindings"] = Bindings(postgres),
        };
    }

    private static JsonObject Project(HerdResource project, AppModel model, string manifestFolder)
    {
        var environment = new JsonObject();
        foreach (var variable in PublishedEnvironment.Of(project, model.OtlpEndpoint))
        {
            environment[variable.Name] = Expression(variable.Value);
        }

        return new JsonObject
        {
            ["type"] = "project.v0",
            ["path"] = Path.GetRelativePath(manifestFolder, Path.GetFullPath(project.ProjectPath)).Replace('\\', '/'),
            ["env"] = environment,
            ["bindings"] = Bindings(project),
        };
    }

    /// <summary>A value in the manifest's placeholder expressions (<c>{redis.connectionString}</c>).</summary>
    private static string Expression(PublishedValue value) => value switch
    {
        PublishedValue.Text text => text.Value,
        PublishedValue.ListenUrl listen => $"http://+:{{{listen.Project.Name}.bindings.{listen.Endpoint.Key}.targetPort}}",
        PublishedValue.Parameter parameter => $"{{{parameter.Resource.Name}.value}}",
        PublishedValue.ConnectionString connection => $"{{{connection.Resource.Name}.connectionString}}",
        PublishedValue.EndpointUrl url => $"{{{url.Resource.Name}.bindings.{url.Endpoint.Key}.url}}",
        _ => throw new InvalidOperationException($"The manifest has no expression for {value}."),
    };

    private static JsonObject Bindings(HerdResource resource)
    {
        var bindings = new JsonObject();
        foreach (var endpoint in resource.Endpoints)
        {
            bindings[endpoint.Key] = new JsonObject
            {
                ["scheme"] = endpoint.IsHttp ? "http" : "tcp",
                ["protocol"] = "tcp",
                ["transport"] = endpoint.Transport,
                ["targetPort"] = endpoint.TargetPort,
            };
        }

        return bindings;
    }

    private static JsonObject Volume(string name, string target) =>
        new() { ["name"] = name, ["target"] = target, ["readOnly"] = false };
}
