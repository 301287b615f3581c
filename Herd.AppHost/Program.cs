using System.Globalization;
using Herd.AppHost;
using Herd.AppHost.Bench;
using Herd.AppHost.Cli;
using Herd.AppHost.Hosting;
using Herd.AppHost.Publishing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

if (args is [CompleteCommand.Name, .. var completeArgs])
{
    return await CompleteCommand.RunAsync(completeArgs, Console.Out, Console.Error);
}

// "bench-gateway" and "bench-access" run the same herd with the node on its benchmark engine and
// measure the gateway, and what access control adds to it.
var benchmark = args is [GatewayBenchmark.Command or AccessBenchmark.Command, ..] ? args[0] : null;
var hostArgs = benchmark is null ? args : args[1..];
var builder = Host.CreateApplicationBuilder(hostArgs);
builder.Configuration.AddCommandLine(hostArgs, AppHostOptions.Switches);
var options = AppHostOptions.Read(builder.Configuration, out var optionErrors);
if (optionErrors.Count > 0)
{
    foreach (var error in optionErrors)
    {
        await Console.Error.WriteLineAsync(error);
    }

    return 2;
}

// The secret nodes present to the gateway: the operator's HERD_NODE_SECRET, or one made up for this run.
var nodeSecret = builder.AddParameter("node-secret", "HERD_NODE_SECRET", secret: true);

// Connection strings in the configuration (ConnectionStrings__redis, ConnectionStrings__ledger)
// point the herd at servers that run elsewhere; otherwise it runs its own.
var redis = builder.Configuration.GetConnectionString("redis") is { Length: > 0 }
    ? builder.AddConnectionString("redis")
    : builder.AddRedis("redis");
var ledger = builder.Configuration.GetConnectionString("ledger") is { Length: > 0 }
    ? builder.AddConnectionString("ledger")
    : builder.AddPostgres("postgres").AddDatabase("ledger", databaseName: "herd");

var adminKeyFile = builder.AppModel().StatePath("admin.key");
var gateway = builder.AddProject("gateway", "Herd.Gateway")
    .WithReplicas(options.Gateways)
    .WithEndpoint("Grpc", "Http2", targetPort: 8080)
    .WithEndpoint("Http", "Http1", targetPort: 8081)
    .WithReference(redis)
    .WithReference(ledger)
    .WithEnvironment("HERD_NODE_SECRET", nodeSecret)
    // The herd's first admin key, made on the first start: it creates the other keys.
    .WithEnvironment("Herd__Gateway__Access__BootstrapKeyFile", _ => adminKeyFile);

var node = builder.AddProject("node", "Herd.Node")
    .WithReplicas(options.Nodes)
    .WithEndpoint("Http", "Http1", targetPort: 8081)
    .WithReference(gateway)
    .WithEnvironment("HERD_NODE_SECRET", nodeSecret)
    .WithEnvironment("Herd__Node__Model", options.ModelIsFolder ? new EnvironmentValue.MountedFolder(options.Model, "/models") : options.Model)
    .WithEnvironment("Herd__Node__Group", options.Group)
    .WithEnvironment("Herd__Node__Device", options.Device);
node.WithEnvironment("Herd__Node__NodeId", replica => node.Resource.ReplicaName(replica));
if (options.Capacity > 0)
{
    node.WithEnvironment("Herd__Node__Engine__MaxSequences", options.Capacity.ToString(CultureInfo.InvariantCulture));
}

builder.AppModel().OtlpEndpoint = options.OtlpEndpoint;
if (options.Publisher is { } publisher)
{
    var outputPath = Path.GetFullPath(options.OutputPath!);
    try
    {
        if (publisher == ManifestPublisher.Name)
        {
            await ManifestPublisher.WriteAsync(builder.AppModel(), outputPath);
        }
        else if (publisher == KubernetesPublisher.Name)
        {
            await KubernetesPublisher.WriteAsync(builder.AppModel(), options, outputPath);
        }
    }
    catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
    {
        // A folder where the manifest file should go, a file where the YAML folder should, no write permission.
        var expected = publisher == ManifestPublisher.Name ? "a file path" : "a folder path";
        await Console.Error.WriteLineAsync($"Could not write to {outputPath} ({exception.Message}). --output-path must be {expected} the app host may write.");
        return 1;
    }

    await Console.Out.WriteLineAsync(publisher == ManifestPublisher.Name ? $"Published the Aspire manifest to {outputPath}" : $"Published Kubernetes YAML to {outputPath}; apply it with: kubectl apply -k {outputPath}");
    return 0;
}

if (benchmark is null)
{
    using var app = builder.Build();
    await app.StartAsync();
    var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
    await TryItBanner.PrintAsync(gateway.Resource, adminKeyFile, Console.Out, lifetime.ApplicationStopping);
    await app.WaitForShutdownAsync();
    return 0;
}

var services = new List<ResourceBuilder> { gateway, node };
Func<Task<int>> measure;
var benchFolder = Directory.CreateTempSubdirectory("herd-bench-").FullName;
if (benchmark == GatewayBenchmark.Command)
{
    node.WithEnvironment("Herd__Node__Engine__SyntheticTokensPerSecond", GatewayBenchmark.TokensPerSecond.ToString(CultureInfo.InvariantCulture))
        .WithEnvironment("Herd__Node__Engine__MaxSequences", GatewayBenchmark.MaxSequences.ToString(CultureInfo.InvariantCulture));
    // This benchmark measures queueing and relaying; keys, limits and the ledger are measured by bench-access.
    gateway.WithEnvironment("Herd__Gateway__Access__Enabled", "false");
    measure = () => GatewayBenchmark.RunAsync(gateway.Resource, node.Resource, Console.Out);
}
else
{
    // A second gateway without access control, on queues of its own, beside the first: the node
    // links to both, so the two paths differ only in what access control does.
    var open = builder.AddProject("gateway-open", "Herd.Gateway")
        .WithEndpoint("Grpc", "Http2", targetPort: 8080)
        .WithEndpoint("Http", "Http1", targetPort: 8081)
        .WithReference(redis)
        .WithEnvironment("HERD_NODE_SECRET", nodeSecret)
        .WithEnvironment("Herd__Gateway__Access__Enabled", "false")
        .WithEnvironment("Herd__Gateway__Queue__KeyPrefix", "herd-bench-open:");
    var keyFile = Path.Combine(benchFolder, "bench.key");
    gateway.WithEnvironment("Herd__Gateway__Access__RolesFile", AccessBenchmark.WriteRolesFile(benchFolder))
        .WithEnvironment("Herd__Gateway__Access__BootstrapKeyFile", keyFile)
        .WithEnvironment("Herd__Gateway__Access__BootstrapRole", AccessBenchmark.Role);
    foreach (var (name, value) in AccessBenchmark.FeeSettings)
    {
        gateway.WithEnvironment(name, value);
    }

    node.WithReference(open)
        .WithEnvironment("Herd__Node__Gateways__0", _ => gateway.Resource.Endpoint("Grpc").Url)
        .WithEnvironment("Herd__Node__Gateways__1", _ => open.Resource.Endpoint("Grpc").Url)
        .WithEnvironment("Herd__Node__Engine__SyntheticTokensPerSecond", AccessBenchmark.TokensPerSecond.ToString(CultureInfo.InvariantCulture))
        .WithEnvironment("Herd__Node__Engine__MaxSequences", AccessBenchmark.MaxSequences.ToString(CultureInfo.InvariantCulture));
    services.Add(open);
    measure = () => AccessBenchmark.RunAsync(gateway.Resource, open.Resource, keyFile, Console.Out);
}

foreach (var service in services)
{
    // Logs of every request would weigh on what is measured.
    service.WithEnvironment("Logging__LogLevel__Default", "Warning");
}

using var host = builder.Build();
await host.StartAsync();
try
{
    return await measure();
}
finally
{
    await host.StopAsync();
    Directory.Delete(benchFolder, recursive: true);
}
