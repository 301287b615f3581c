using System.ComponentModel.DataAnnotations;

namespace Herd.Node;

/// <summary>The node's settings, bound from the <c>Herd:Node</c> section (<c>Herd__Node__Device</c>).</summary>
public sealed record NodeOptions
{
    public const string Section = "Herd:Node";

    /// <summary>The node's name in the herd; defaults to the machine name.</summary>
    [Required(AllowEmptyStrings = false)]
    public string NodeId { get; init; } = Environment.MachineName;

    /// <summary>
    /// The node group it belongs to: roles may be limited to some groups (a team's own nodes
    /// serve only that team). Lowercase letters, digits, '.', '_' and '-'.
    /// </summary>
    [RegularExpression("^[a-z0-9][a-z0-9._-]{0,62}$", ErrorMessage = "Herd:Node:Group must be 1 to 63 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit.")]
    public string Group { get; init; } = "default";

    /// <summary><c>auto</c> (CUDA when TorchSharp reports it, else CPU), <c>cpu</c> or <c>cuda</c>.</summary>
    [RegularExpression("^(auto|cpu|cuda)$", ErrorMessage = "Herd:Node:Device must be auto, cpu or cuda.")]
    public string Device { get; init; } = "auto";

    /// <summary>Threads libtorch uses for CPU work; 0 keeps libtorch's own choice.</summary>
    [Range(0, 1024)]
    public int Threads { get; init; }

    /// <summary>The model to serve: a Hugging Face snapshot folder or a built-in name (<c>herd-tiny</c>, <c>herd-bench</c>).</summary>
    [Required(AllowEmptyStrings = false)]
    public string Model { get; init; } = "herd-tiny";

    /// <summary>
    /// Further models the node may load on command (<c>herd.v1.NodeAdmin</c>), as folders or
    /// built-in names; <see cref="Model"/> is always in the catalog.
    /// </summary>
    public IReadOnlyList<string> Catalog { get; init; } = [];

    /// <summary>
    /// The gRPC addresses (<c>http://host:port</c>) of the gateways to link to. When empty, the
    /// node uses service discovery's <c>services:gateway:grpc:*</c> entries.
    /// </summary>
    public IReadOnlyList<string> Gateways { get; init; } = [];

    /// <summary>The shared node secret; the environment variable <c>HERD_NODE_SECRET</c> takes precedence.</summary>
    public string? Secret { get; init; }

    /// <summary>How long a stopping node waits for its running jobs before it cancels them.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "Herd:Node:DrainTimeout must be between 00:00:00 and 01:00:00.")]
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The first wait before linking again after a failed attempt; waits double (with jitter) up to <see cref="ReconnectMaxDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00", ErrorMessage = "Herd:Node:ReconnectMinDelay must be between 00:00:00.010 and 00:10:00.")]
    public TimeSpan ReconnectMinDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest wait between attempts to link.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00", ErrorMessage = "Herd:Node:ReconnectMaxDelay must be between 00:00:00.010 and 01:00:00.")]
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(10);
}
