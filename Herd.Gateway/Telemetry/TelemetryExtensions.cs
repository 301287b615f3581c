using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Herd.Gateway.Telemetry;

/// <summary>Wires the gateway's meter and activity source (<see cref="GatewayTelemetry"/>).</summary>
public static class TelemetryExtensions
{
    /// <summary>Safe to call more than once.</summary>
    public static IHostApplicationBuilder AddGatewayTelemetry(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton<GatewayTelemetry>();
        return builder;
    }
}
