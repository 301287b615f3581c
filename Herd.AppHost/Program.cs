using System.Globalization;
using System.Security.Cryptography;
using Herd.AppHost.Bench;
using Herd.AppHost.Hosting;
using Microsoft.Extensions.Hosting;

// "bench-gateway" runs the same herd with the node on its benchmark engine and measures the gateway.
var bench = args is [GatewayBenchmark.Command, ..];
var builder = Host.CreateApplicationBuilder(bench ? args[1..] : args);

// The secret nodes present to the gateway: the operator's HERD_NODE_SECRET, or one made up for this run.
var nodeSecret = builder.Configuration["HERD_NODE_SECRET"] is { Length: > 0 } configured
    ? configured
    : Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

var redis = builder.AddRedis("redis");
var ledger = builder.AddPostgres("ledger");

var gateway = builder.AddProject("gateway", "Herd.Gateway")
    .WithEndpoint("Grpc", "Http2")
    .WithEndpoint("Http", "Http1")
    .WithReference(redis)
    .WithReference(ledger)
    .WithEnvironment("HERD_NODE_SECRET", nodeSecret)
    // The herd's first admin key, made on the first start: it creates the other keys.
    .WithEnvironment("Herd__Gateway__Access__BootstrapKeyFile", AppModelExtensions.StatePath("admin.key"));

var node = builder.AddProject("node", "Herd.Node")
    .WithEndpoint("Http", "Http1")
    .WithReference(gateway)
    .WithEnvironment("HERD_NODE_SECRET", nodeSecret);

if (!bench)
{
    builder.Build().Run();
    return 0;
}

node.WithEnvironment("Herd__Node__Engine__SyntheticTokensPerSecond", GatewayBenchmark.TokensPerSecond.ToString(CultureInfo.InvariantCulture))
    .WithEnvironment("Herd__Node__Engine__MaxSequences", GatewayBenchmark.MaxSequences.ToString(CultureInfo.InvariantCulture));
// This benchmark measures queueing and relaying; keys, limits and the ledger are measured on their own.
gateway.WithEnvironment("Herd__Gateway__Access__Enabled", "false");
foreach (var service in new[] { gateway, node })
{
    // Logs of every request would weigh on what is measured.
    service.WithEnvironment("Logging__LogLevel__Default", "Warning");
}

using var host = builder.Build();
await host.StartAsync();
try
{
    return await GatewayBenchmark.RunAsync(gateway.Resource, node.Resource, Console.Out);
}
finally
{
    await host.StopAsync();
}
