using System.ComponentModel.DataAnnotations;

namespace Herd.Node.Adapters;

/// <summary>The LoRA adapters a node may apply to its model, bound from <c>Herd:Node:Adapters</c>.</summary>
public sealed record AdapterOptions
{
    public const string Section = "Herd:Node:Adapters";

    /// <summary>
    /// A folder of adapters, one PEFT folder each (<c>adapter_config.json</c> and
    /// <c>adapter_model.safetensors</c>); a subfolder's name is its adapter's name. Empty: none.
    /// </summary>
    public string? Folder { get; init; }

    /// <summary>Adapters held in memory at once; the least recently used unused one makes room for another.</summary>
    [Range(1, 4096)]
    public int MaxResident { get; init; } = 16;

    /// <summary>Memory the resident adapters may hold together, in MiB.</summary>
    [Range(1, 1 << 20)]
    public int MaxResidentMegabytes { get; init; } = 1024;

    /// <summary>Load adapters when the node starts (up to <see cref="MaxResident"/>), not when first asked for.</summary>
    public bool Preload { get; init; }
}
