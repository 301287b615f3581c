using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Herd.Tests.Fixtures;

namespace Herd.Tests.AppHost;

/// <summary>
/// <c>--publisher manifest</c>: Aspire's own manifest of Herd's app model, checked against what the
/// format defines, and for what only makes sense on the machine that publishes it.
/// </summary>
public sealed partial class ManifestPublishingTests : IDisposable
{
    private static readonly string[] ResourceTypes = ["project.v0", "container.v0", "value.v0", "parameter.v0"];
    private static readonly string[] Schemes = ["tcp", "http", "redis"];
    private static readonly string[] Transports = ["tcp", "http", "http2"];
    private static readonly string[] Projects = ["gateway", "node"];
    private readonly string _folder = Directory.CreateTempSubdirectory("herd-manifest-").FullName;

    private string ManifestPath => Path.Combine(_folder, "deploy", "aspire-manifest.json");

    [Fact]
    public async Task Manifest_HoldsEveryResourceOfTheModel_InTheAspireFormat_WithResolvableExpressions()
    {
        var resources = await PublishAsync(["--nodes", "3", "--gateways", "2"]);

        Assert.Equal(
            ["gateway", "ledger", "node", "node-secret", "postgres", "postgres-password", "redis", "redis-password"],
            resources.Select(resource => resource.Key).Where(name => !name.StartsWith("cond-", StringComparison.Ordinal)).Order());
        AssertFollowsTheFormat(resources);
        Assert.Equal("container.v0", (string?)resources["redis"]!["type"]);
        Assert.Equal("container.v0", (string?)resources["postgres"]!["type"]);
        Assert.Equal("{postgres.connectionString};Database=herd", (string?)resources["ledger"]!["connectionString"]);
        Assert.True((bool?)resources["postgres-password"]!["inputs"]!["value"]!["secret"]);
        Assert.Equal(["/data"], resources["redis"]!["volumes"]!.AsArray().Select(volume => (string?)volume!["target"]));
        Assert.Contains("--appendonly yes", (string?)resources["redis"]!["args"]![1], StringComparison.Ordinal);
        var gateway = resources["gateway"]!.AsObject();
        Assert.Equal("{redis.connectionString}", Variable(gateway, "ConnectionStrings__redis"));
        Assert.Equal("{ledger.connectionString}", Variable(gateway, "ConnectionStrings__ledger"));
        Assert.Equal("{node-secret.value}", Variable(gateway, "HERD_NODE_SECRET"));
        Assert.Equal(("http2", 8080), (Binding(gateway, "grpc")["transport"]!.GetValue<string>(), Binding(gateway, "grpc")["targetPort"]!.GetValue<int>()));
        Assert.Equal(8081, Binding(gateway, "http")["targetPort"]!.GetValue<int>());
        var node = resources["node"]!.AsObject();
        Assert.Equal("{gateway.bindings.grpc.url}", Variable(node, "services__gateway__grpc__0"), ignoreCase: true);
        Assert.Equal("{node-secret.value}", Variable(node, "HERD_NODE_SECRET"));
        Assert.Equal(8081, Binding(node, "http")["targetPort"]!.GetValue<int>());
    }

    [Fact]
    public async Task Manifest_Projects_HoldOnlyWhatADeploymentUses()
    {
        var resources = await PublishAsync([]);

        foreach (var project in Projects.Select(name => resources[name]!.AsObject()))
        {
            var variables = project["env"]!.AsObject().Select(variable => variable.Key).ToList();
            // No state folder, no per-replica template for DCP, no connection properties beside the connection strings.
            Assert.DoesNotContain("Herd__Gateway__Access__BootstrapKeyFile", variables);
            Assert.DoesNotContain("Herd__Node__NodeId", variables);
            Assert.DoesNotContain(variables, variable => variable.StartsWith("REDIS_", StringComparison.Ordinal) || variable.StartsWith("LEDGER_", StringComparison.Ordinal) || variable.StartsWith("GATEWAY_", StringComparison.Ordinal));
            // Herd serves plain HTTP; TLS ends in front of the deployment.
            Assert.DoesNotContain(project["bindings"]!.AsObject(), binding => (string?)binding.Value!["scheme"] == "https");
            // Replicas are the deployment tool's to set: the format has no field for them.
            Assert.Null(project["replicas"]);
        }

        Assert.Equal(["services__gateway__grpc__0"], resources["node"]!["env"]!.AsObject().Select(variable => variable.Key).Where(name => name.StartsWith("services__", StringComparison.Ordinal)).Select(name => name.ToLowerInvariant()));
    }

    [Fact]
    public async Task Manifest_GivenConnectionStrings_PublishesThemAsSecretParameters_WithoutTheirValues()
    {
        var resources = await PublishAsync([], new Dictionary<string, string>
        {
            ["ConnectionStrings__redis"] = "redis.example.internal:6379,password=hunter2",
            ["ConnectionStrings__ledger"] = "Host=db.example.internal;Database=herd;Username=herd;Password=hunter2",
        });

        Assert.Equal(["gateway", "ledger", "node", "node-secret", "redis"], resources.Select(resource => resource.Key).Order());
        AssertFollowsTheFormat(resources);
        Assert.Equal("parameter.v0", (string?)resources["redis"]!["type"]);
        Assert.Equal("{redis.value}", (string?)resources["redis"]!["connectionString"]);
        Assert.True((bool?)resources["ledger"]!["inputs"]!["value"]!["secret"]);
        Assert.DoesNotContain("hunter2", resources.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Manifest_PublishesAModelFolder_AsItsMountPath()
    {
        var models = Directory.CreateDirectory(Path.Combine(_folder, "llama")).FullName;

        var node = (await PublishAsync(["--model", models, "--group", "team-a", "--capacity", "8", "--device", "cuda"]))["node"]!.AsObject();

        Assert.Equal("/models", Variable(node, "Herd__Node__Model"));
        Assert.Equal("team-a", Variable(node, "Herd__Node__Group"));
        Assert.Equal("8", Variable(node, "Herd__Node__Engine__MaxSequences"));
        Assert.Equal("cuda", Variable(node, "Herd__Node__Device"));
    }

    [Fact]
    public async Task Manifest_ToAFolder_WritesAspireManifestJsonInIt()
    {
        var (exitCode, output) = await AppHostPublish.RunAsync(["--publisher", "manifest", "--output-path", _folder]);

        Assert.True(exitCode == 0, output);
        Assert.True(File.Exists(Path.Combine(_folder, "aspire-manifest.json")), output);
    }

    [Fact]
    public async Task Manifest_WhereNoFileCanBe_ExitsWithOne()
    {
        var file = Path.Combine(_folder, "a-file");
        await File.WriteAllTextAsync(file, "not a folder");

        var (exitCode, output) = await AppHostPublish.RunAsync(["--publisher", "manifest", "--output-path", Path.Combine(file, "aspire-manifest.json")]);

        Assert.Equal(1, exitCode);
        Assert.Contains(file, output, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private async Task<JsonObject> PublishAsync(IEnumerable<string> options, IReadOnlyDictionary<string, string>? environment = null)
    {
        var (exitCode, output) = await AppHostPublish.RunAsync(["--publisher", "manifest", "--output-path", ManifestPath, .. options], environment);
        Assert.True(exitCode == 0, output);
        var text = await File.ReadAllTextAsync(ManifestPath);

        // Nothing of the machine that published it but the project paths, relative to the manifest.
        Assert.DoesNotContain(".herd", text, StringComparison.Ordinal);
        Assert.DoesNotContain('"' + HerdService.RepositoryRoot(), text, StringComparison.Ordinal);
        Assert.DoesNotContain(_folder, text, StringComparison.Ordinal);
        return JsonNode.Parse(text)!["resources"]!.AsObject();
    }

    private static string? Variable(JsonObject resource, string name) =>
        (string?)resource["env"]!.AsObject().SingleOrDefault(variable => string.Equals(variable.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    private static JsonObject Binding(JsonObject resource, string name) =>
        resource["bindings"]!.AsObject().Single(binding => string.Equals(binding.Key, name, StringComparison.OrdinalIgnoreCase)).Value!.AsObject();

    /// <summary>Each resource has the fields its type requires, and every placeholder names something that exists.</summary>
    private void AssertFollowsTheFormat(JsonObject resources)
    {
        foreach (var (name, node) in resources)
        {
            var resource = node!.AsObject();
            var type = (string?)resource["type"];
            Assert.Contains(type, ResourceTypes);
            switch (type)
            {
                case "project.v0":
                    var project = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(ManifestPath)!, (string)resource["path"]!));
                    Assert.True(File.Exists(project), $"{name}'s project path does not lead to {project}");
                    Assert.NotNull(resource["bindings"]);
                    break;
                case "container.v0":
                    Assert.False(string.IsNullOrEmpty((string?)resource["image"]), $"{name} has no image");
                    Assert.NotNull(resource["bindings"]);
                    break;
                case "value.v0":
                    Assert.NotNull((string?)resource["connectionString"]);
                    break;
                case "parameter.v0":
                    Assert.Equal($"{{{name}.inputs.value}}", (string?)resource["value"]);
                    Assert.Equal("string", (string?)resource["inputs"]!["value"]!["type"]);
                    break;
            }

            foreach (var (bindingName, binding) in resource["bindings"]?.AsObject() ?? [])
            {
                Assert.Contains((string?)binding!["scheme"], Schemes);
                Assert.Equal("tcp", (string?)binding["protocol"]);
                Assert.Contains((string?)binding["transport"], Transports);
                Assert.True((int?)binding["targetPort"] > 0, $"{name}.{bindingName} has no target port");
            }
        }

        var placeholders = Placeholder().Matches(resources.ToJsonString()).ToList();
        Assert.NotEmpty(placeholders);
        foreach (var placeholder in placeholders)
        {
            Assert.True(Resolves(resources, placeholder.Groups["resource"].Value, placeholder.Groups["path"].Value), $"{placeholder.Value} names nothing in the manifest");
        }
    }

    private static bool Resolves(JsonObject resources, string name, string path)
    {
        if (resources[name] is not JsonObject resource)
        {
            return false;
        }

        return path.Split('.') switch
        {
            ["connectionString"] => resource["connectionString"] is not null,
            ["value"] => resource["value"] is not null,
            ["inputs", var input] => resource["inputs"]?[input] is not null,
            ["bindings", var binding, "url" or "host" or "port" or "targetPort" or "scheme"] => resource["bindings"]?[binding] is not null,
            _ => false,
        };
    }

    [GeneratedRegex(@"\{(?<resource>[a-z][a-z0-9-]*)\.(?<path>[A-Za-z0-9.]+)\}")]
    private static partial Regex Placeholder();
}
