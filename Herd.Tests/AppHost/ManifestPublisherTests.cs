using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Herd.Tests.Fixtures;

namespace Herd.Tests.AppHost;

/// <summary><c>--publisher manifest</c>: the Aspire manifest format, checked against what the format defines.</summary>
public sealed partial class ManifestPublisherTests : IDisposable
{
    private static readonly string[] ResourceTypes = ["project.v0", "container.v0", "value.v0", "parameter.v0"];
    private static readonly string[] Schemes = ["tcp", "http", "https"];
    private static readonly string[] Transports = ["tcp", "http", "http2"];
    private readonly string _folder = Directory.CreateTempSubdirectory("herd-manifest-").FullName;

    [Fact]
    public async Task Manifest_HoldsEveryResourceOfTheModel_InTheAspireFormat_WithResolvableExpressions()
    {
        var manifest = await PublishAsync(["--nodes", "3", "--gateways", "2", "--otlp-endpoint", "http://collector:4317"]);
        var resources = manifest["resources"]!.AsObject();

        Assert.Equal("https://json.schemastore.org/aspire-8.0.json", (string?)manifest["$schema"]);
        Assert.Equal(["gateway", "ledger", "node", "node-secret", "postgres", "postgres-password", "redis"], resources.Select(resource => resource.Key).Order());
        AssertFollowsTheFormat(resources);
        Assert.Equal("container.v0", (string?)resources["redis"]!["type"]);
        Assert.Equal("{postgres.connectionString};Database=herd", (string?)resources["ledger"]!["connectionString"]);
        var gateway = resources["gateway"]!["env"]!;
        Assert.Equal("{redis.connectionString}", (string?)gateway["ConnectionStrings__redis"]);
        Assert.Equal("{ledger.connectionString}", (string?)gateway["ConnectionStrings__ledger"]);
        Assert.Equal("{node-secret.value}", (string?)gateway["HERD_NODE_SECRET"]);
        Assert.Equal("http2", (string?)resources["gateway"]!["bindings"]!["grpc"]!["transport"]);
        var node = resources["node"]!["env"]!;
        Assert.Equal("{gateway.bindings.grpc.url}", (string?)node["services__gateway__grpc__0"]);
        Assert.Equal("{node-secret.value}", (string?)node["HERD_NODE_SECRET"]);
        Assert.Equal("http://collector:4317", (string?)node["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Equal("node", (string?)node["OTEL_SERVICE_NAME"]);
        Assert.Null(gateway["Herd__Gateway__Access__BootstrapKeyFile"]);
        Assert.Null(node["Herd__Node__NodeId"]);
    }

    [Fact]
    public async Task Manifest_GivenConnectionStrings_PublishesThemAsSecretParameters_WithoutTheirValues()
    {
        var manifest = await PublishAsync([], new Dictionary<string, string>
        {
            ["ConnectionStrings__redis"] = "redis.example.internal:6379,password=hunter2",
            ["ConnectionStrings__ledger"] = "Host=db.example.internal;Database=herd;Username=herd;Password=hunter2",
        });
        var resources = manifest["resources"]!.AsObject();

        Assert.Equal(["gateway", "ledger", "node", "node-secret", "redis"], resources.Select(resource => resource.Key).Order());
        AssertFollowsTheFormat(resources);
        Assert.Equal("parameter.v0", (string?)resources["redis"]!["type"]);
        Assert.Equal("{redis.value}", (string?)resources["redis"]!["connectionString"]);
        Assert.True((bool?)resources["ledger"]!["inputs"]!["value"]!["secret"]);
        Assert.DoesNotContain("hunter2", manifest.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Manifest_PublishesAModelFolder_AsItsMountPath()
    {
        var models = Directory.CreateDirectory(Path.Combine(_folder, "llama")).FullName;

        var manifest = await PublishAsync(["--model", models, "--group", "team-a", "--capacity", "8", "--device", "cuda"]);
        var node = manifest["resources"]!["node"]!["env"]!;

        Assert.Equal("/models", (string?)node["Herd__Node__Model"]);
        Assert.Equal("team-a", (string?)node["Herd__Node__Group"]);
        Assert.Equal("8", (string?)node["Herd__Node__Engine__MaxSequences"]);
        Assert.Equal("cuda", (string?)node["Herd__Node__Device"]);
    }

    [Fact]
    public async Task Manifest_TakesTheAspireDashboardsOtlpEndpoint_WhenNoneIsGiven()
    {
        var manifest = await PublishAsync([], new Dictionary<string, string> { ["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = "http://dashboard:18889" });

        Assert.Equal("http://dashboard:18889", (string?)manifest["resources"]!["gateway"]!["env"]!["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Equal("http://dashboard:18889", (string?)manifest["resources"]!["node"]!["env"]!["OTEL_EXPORTER_OTLP_ENDPOINT"]);
    }

    [Fact]
    public async Task Manifest_ToAFolder_ExitsOne_SayingAFilePathIsNeeded()
    {
        await using var appHost = HerdService.Start("Herd.AppHost", ["--publisher", "manifest", "--output-path", _folder]);
        var exitCode = await appHost.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exitCode);
        Assert.Contains($"Could not write to {_folder}", appHost.Output, StringComparison.Ordinal);
        Assert.Contains("--output-path must be a file path", appHost.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", appHost.Output, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private async Task<JsonObject> PublishAsync(IEnumerable<string> options, IReadOnlyDictionary<string, string>? environment = null)
    {
        var path = Path.Combine(_folder, "deploy", "aspire-manifest.json");
        await using var appHost = HerdService.Start("Herd.AppHost", ["--publisher", "manifest", "--output-path", path, .. options], environment);
        var exitCode = await appHost.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, appHost.Output);
        var text = await File.ReadAllTextAsync(path);

        // Nothing of the machine that published it: no working-copy paths, no state folder.
        Assert.DoesNotContain(".herd", text, StringComparison.Ordinal);
        Assert.DoesNotContain('"' + HerdService.RepositoryRoot(), text, StringComparison.Ordinal);
        Assert.DoesNotContain(_folder, text, StringComparison.Ordinal);
        return JsonNode.Parse(text)!.AsObject();
    }

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
                    var project = Path.GetFullPath(Path.Combine(_folder, "deploy", (string)resource["path"]!));
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

        foreach (Match placeholder in Placeholder().Matches(resources.ToJsonString()))
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

        var parts = path.Split('.');
        return parts switch
        {
            ["connectionString"] => resource["connectionString"] is not null,
            ["value"] => resource["value"] is not null,
            ["inputs", var input] => resource["inputs"]?[input] is not null,
            ["bindings", var binding, "url" or "host" or "port" or "targetPort"] => resource["bindings"]?[binding] is not null,
            _ => false,
        };
    }

    [GeneratedRegex(@"\{(?<resource>[a-z][a-z0-9-]*)\.(?<path>[A-Za-z0-9.]+)\}")]
    private static partial Regex Placeholder();
}
