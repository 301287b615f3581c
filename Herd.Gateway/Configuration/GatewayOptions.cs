using System.ComponentModel.DataAnnotations;

namespace Herd.Gateway.Configuration;

/// <summary>The gateway's settings, bound from the <c>Herd:Gateway</c> section (<c>Herd__Gateway__GatewayId</c>).</summary>
public sealed record GatewayOptions
{
    public const string Section = "Herd:Gateway";

    /// <summary>This gateway's name among its replicas; defaults to the machine name and process id.</summary>
    [Required(AllowEmptyStrings = false)]
    public string GatewayId { get; init; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>
    /// The secret nodes must present to link; the environment variable <c>HERD_NODE_SECRET</c>
    /// takes precedence. With neither set, every node is refused.
    /// </summary>
    public string? NodeSecret { get; init; }

    /// <summary>How often nodes send heartbeats; a link silent for three intervals is dropped.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:05:00", ErrorMessage = "Herd:Gateway:HeartbeatInterval must be between 00:00:00.050 and 00:05:00.")]
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a node that opened a link has to send its NodeHello.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00", ErrorMessage = "Herd:Gateway:HelloTimeout must be between 00:00:00.100 and 00:05:00.")]
    public TimeSpan HelloTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
