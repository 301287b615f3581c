using System.Globalization;
using Herd.AppHost;
using Herd.AppHost.Commands;
using Herd.AppHost.Extensions;
using Herd.AppHost.Lifecycle;
using Herd.AppHost.Publishing;
using Herd.AppHost.Resources;

var builder = DistributedApplication.CreateBuilder(HerdOptions.ExpandSwitches(args));
var herd = HerdOptions.Read(builder.Configuration, checkModelFolder: builder.ExecutionContext.IsRunMode, out var optionErrors);
if (optionErrors.Count > 0)
{
    foreach (var error in optionErrors)
    {
        await Console.Error.WriteLineAsync(error);
    }

    return 2;
}

// The secret nodes present to the gateways: Parameters:node-secret, or one made up.
var nodeSecret = builder.AddParameter("node-secret", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true);

// Servers named by ConnectionStrings:redis or ConnectionStrings:ledger run elsewhere; otherwise the herd runs its own.
var redis = builder.Configuration.GetConnectionString("redis") is { Length: > 0 }
    ? builder.AddConnectionString("redis")
    : builder.AddRedisServer("redis");
var ledger = builder.Configuration.GetConnectionString("ledger") is { Length: > 0 }
    ? builder.AddConnectionString("ledger")
    : builder.AddPostgresServer("postgres").AddDatabase("ledger", databaseName: "herd");

var gateway = builder.AddProject<Projects.Herd_Gateway>("gateway")
    .WithReplicas(herd.Gateways)
    .WithImagePorts()
    // Plain HTTP and h2c: no development certificate here; published, TLS ends in front of the Services.
    .WithoutHttpsCertificate()
    .WithExternalHttpEndpoints()
    // The gateway reads its servers' connection strings, not their hosts, ports and passwords apart.
    .WithReferenceEnvironment(ReferenceEnvironmentInjectionFlags.ConnectionString)
    .WithReference(redis).WaitFor(redis)
    .WithReference(ledger).WaitFor(ledger)
    .WithEnvironment("HERD_NODE_SECRET", nodeSecret)
    .WithHttpHealthCheck("/health", endpointName: "http")
    .WithAdminKey(builder.StateFolder())
    .WithHerdWebAppUrl()
    .WithNewApiKeyCommand();

if (herd.Nodes > 0)
{
    var node = builder.AddProject<Projects.Herd_Node>("node")
        .WithReplicas(herd.Nodes)
        .WithImagePorts()
        .WithoutHttpsCertificate()
        // A node finds the gateways' gRPC endpoint through service discovery (services__gateway__grpc__0).
        .WithReferenceEnvironment(ReferenceEnvironmentInjectionFlags.ServiceDiscovery)
        .WithReference(gateway.GetEndpoint("grpc")).WaitFor(gateway)
        .WithEnvironment("HERD_NODE_SECRET", nodeSecret)
        .WithModel(herd.Model, herd.ModelIsFolder)
        .WithEnvironment("Herd__Node__Group", herd.Group)
        .WithEnvironment("Herd__Node__Device", herd.Device)
        .WithHttpHealthCheck("/health", endpointName: "http")
        .WithReplicaNodeIds()
        .WithDrainCommand();
    if (herd.Capacity > 0)
    {
        node.WithEnvironment("Herd__Node__Engine__MaxSequences", herd.Capacity.ToString(CultureInfo.InvariantCulture));
    }

    if (herd.MaxNodes > 0)
    {
        node.WithAnnotation(new NodeAutoscaleAnnotation(herd.Nodes, herd.MaxNodes, herd.QueuedJobsPerNode, herd.Model));
    }
}

builder.AddKubernetesPublishing();
builder.AddHerdLifecycle(herd.Banner);
builder.Build().Run();
// 1 when publishing failed (Lifecycle/PublishExitCode.cs).
return Environment.ExitCode;
