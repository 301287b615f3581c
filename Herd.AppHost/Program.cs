using System.Security.Cryptography;
using Herd.AppHost.Hosting;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);

// Nodes prove they belong to the herd with this secret; a fresh one per run unless given.
var nodeSecret = Environment.GetEnvironmentVariable("HERD_NODE_SECRET") is { Length: > 0 } given
    ? given
    : Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

var redis = builder.AddRedis("redis");

var gateway = builder.AddProject("gateway", "Herd.Gateway")
    .WithEndpoint("Grpc", "Http2")
    .WithEndpoint("Http", "Http1")
    .WithReference(redis)
    .WithEnvironment("HERD_NODE_SECRET", nodeSecret);

builder.AddProject("node", "Herd.Node")
    .WithEndpoint("Http", "Http1")
    .WithReference(gateway)
    .WithEnvironment("HERD_NODE_SECRET", nodeSecret);

builder.Build().Run();
