using System.Security.Cryptography;
using Herd.AppHost.Hosting;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);

// The secret nodes present to the gateway: the operator's HERD_NODE_SECRET, or one made up for this run.
var nodeSecret = builder.Configuration["HERD_NODE_SECRET"] is { Length: > 0 } configured
    ? configured
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
