using Herd.AppHost.Hosting;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);

var gateway = builder.AddProject("gateway", "Herd.Gateway")
    .WithEndpoint("Grpc", "Http2")
    .WithEndpoint("Http", "Http1");

builder.AddProject("node", "Herd.Node")
    .WithEndpoint("Http", "Http1")
    .WithReference(gateway);

builder.Build().Run();
