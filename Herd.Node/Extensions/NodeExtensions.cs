namespace Herd.Node.Extensions;

/// <summary>Wires the node's services.</summary>
public static class NodeExtensions
{
    public static IHostApplicationBuilder AddNode(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<NodeOptions>()
            .BindConfiguration(NodeOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddHostedService<NodeStartup>();
        return builder;
    }
}
