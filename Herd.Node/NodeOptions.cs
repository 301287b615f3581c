using System.ComponentModel.DataAnnotations;

namespace Herd.Node;

/// <summary>The node's settings, bound from the <c>Herd:Node</c> section (<c>Herd__Node__Device</c>).</summary>
public sealed record NodeOptions
{
    public const string Section = "Herd:Node";

    /// <summary>The node's name in the herd; defaults to the machine name.</summary>
    [Required(AllowEmptyStrings = false)]
    public string NodeId { get; init; } = Environment.MachineName;

    /// <summary><c>auto</c> (CUDA when TorchSharp reports it, else CPU), <c>cpu</c> or <c>cuda</c>.</summary>
    [RegularExpression("^(auto|cpu|cuda)$", ErrorMessage = "Herd:Node:Device must be auto, cpu or cuda.")]
    public string Device { get; init; } = "auto";

    /// <summary>Threads libtorch uses for CPU work; 0 keeps libtorch's own choice.</summary>
    [Range(0, 1024)]
    public int Threads { get; init; }
}
