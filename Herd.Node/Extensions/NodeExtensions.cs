using Herd.Node.Adapters;
using Herd.Node.Engine;
using Herd.Node.Experts;
using Herd.Node.Link;
using Herd.Node.Providers;
using Herd.Node.Serving;
using Herd.Node.Telemetry;
using Microsoft.Extensions.Options;

namespace Herd.Node.Extensions;

/// <summary>Wires the node's services.</summary>
public static class NodeExtensions
{
    /// <summary>How much longer than the drain timeout the host waits for its services to stop.</summary>
    private static readonly TimeSpan ShutdownMargin = TimeSpan.FromSeconds(10);

    public static IHostApplicationBuilder AddNode(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<NodeOptions>()
            .BindConfiguration(NodeOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<EngineOptions>()
            .BindConfiguration(EngineOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<AdapterOptions>()
            .BindConfiguration(AdapterOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<ExpertOptions>()
            .BindConfiguration(ExpertOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<HostOptions>()
            .Configure<IOptions<NodeOptions>>((host, node) => host.ShutdownTimeout = node.Value.DrainTimeout + ShutdownMargin);

        builder.AddNodeTelemetry();
        if (builder.Configuration.GetSection(ProviderOptions.Section).Exists())
        {
            builder.AddProvider();
        }
        else
        {
            builder.Services.AddHostedService<NodeStartup>();
            builder.AddModelHosting();
        }

        builder.AddNodeLinks();
        return builder;
    }

    /// <summary>The node's instruments (see docs/operations.md); GPU gauges are added at start, once the device is known.</summary>
    public static IHostApplicationBuilder AddNodeTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<EngineMetrics>();
        builder.Services.AddSingleton<ProcessMetrics>();
        return builder;
    }

    /// <summary>Loads the node's model at start (hosted services start in the order they are added) and serves jobs on it.</summary>
    public static IHostApplicationBuilder AddModelHosting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ModelHost>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ModelHost>());
        builder.Services.AddSingleton<JobRunner>();
        builder.Services.AddSingleton<INodeBackend, LocalBackend>();
        return builder;
    }

    /// <summary>Serves the node's models from an external OpenAI-compatible provider (<c>Herd:Node:Provider</c>); loads no model.</summary>
    public static IHostApplicationBuilder AddProvider(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ProviderOptions>()
            .BindConfiguration(ProviderOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ProviderOptions>, ProviderOptionsValidation>();
        builder.Services.AddHostedService<ProviderStartup>();
        builder.AddProviderHttp();
        builder.Services.AddSingleton<ProviderClient>();
        builder.Services.AddSingleton<ProviderJobRunner>();
        builder.Services.AddSingleton<INodeBackend, ProviderBackend>();
        return builder;
    }

    /// <summary>Links to the gateways once the model is loaded, and drains on shutdown.</summary>
    public static IHostApplicationBuilder AddNodeLinks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<NodeActivity>();
        builder.Services.AddSingleton<NodeLinks>();
        builder.Services.AddHostedService(services => services.GetRequiredService<NodeLinks>());
        builder.Services.AddHealthChecks().AddCheck<LinkHealthCheck>(LinkHealthCheck.Name);
        return builder;
    }
}
