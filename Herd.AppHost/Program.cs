using System.Globalization;
using System.Security.Cryptography;
using Herd.AppHost.Bench;
using Herd.AppHost.Cli;
using Herd.AppHost.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

if (args is [CompleteCommand.Name, .. var completeArgs])
{
    return await CompleteCommand.RunAsync(completeArgs, Console.Out, Console.Error);
}

// "bench-gateway" and "bench-access" run the same herd with the node on its benchmark engine and
// measure the gateway, and what access control adds to it.
var benchmark = args is [GatewayBenchmark.Command or AccessBenchmark.Command, ..] ? args[0] : null;
var builder = Host.CreateApplicationBuilder(benchmark is null ? args : args[1..]);

// The secret nodes present to the gateway: the operator's HERD_NODE_SECRET, or one made up for this run.
var nodeSecret = builder.Configuration["HERD_NODE_SECRET"] is { Length: > 0 } configured
    ? configured
    : Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

var adminKeyFile = AppModelExtensions.StatePath("admin.key");
var redis = builder.AddRedis("redis");
var ledger = builder.AddPostgres("ledger");

var gateway = builder.AddProject("gateway", "Herd.Gateway")
    .WithEndpoint("Grpc", "Http2")
    .WithEndpoint("Http", "Http1")
    .WithReference(redis)
    .WithReference(ledger)
    .WithEnvironment("HERD_NODE_SECRET", nodeSecret)
    // The herd's first admin key, made on the first start: it creates the other keys.
    .WithEnvironment("Herd__Gateway__Access__BootstrapKeyFile", adminKeyFile);

var node = builder.AddProject("node", "Herd.Node")
    .WithEndpoint("Http", "Http1")
    .WithReference(gateway)
    .WithEnvironment("HERD_NODE_SECRET", nodeSecret);

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
        .WithEndpoint("Grpc", "Http2")
        .WithEndpoint("Http", "Http1")
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
        .WithEnvironment("Herd__Node__Gateways__0", () => gateway.Resource.Endpoints.Single(endpoint => endpoint.Name == "Grpc").Url)
        .WithEnvironment("Herd__Node__Gateways__1", () => open.Resource.Endpoints.Single(endpoint => endpoint.Name == "Grpc").Url)
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
