using System.Diagnostics.CodeAnalysis;

namespace Herd.PeerBench.Gguf;

/// <summary>
/// What a converted model's matrices are stored as: f32, bf16 or q8_0. Norm scales and the rope
/// frequency factors stay F32 whatever the format, as llama.cpp's own converter keeps them.
/// </summary>
/// <param name="Name">as the command line spells it</param>
/// <param name="MatrixType">the type of every 2-D weight</param>
/// <param name="FileType">general.file_type: llama.cpp's <c>LLAMA_FTYPE</c> for the whole file</param>
public sealed record GgufWeightFormat(string Name, GgmlType MatrixType, uint FileType)
{
    public static readonly GgufWeightFormat F32 = new("f32", GgmlType.F32, FileType: 0);

    public static readonly GgufWeightFormat BF16 = new("bf16", GgmlType.BF16, FileType: 32);

    [SuppressMessage("Naming", "CA1707:Identifiers should not contain underscores", Justification = "ggml's own name for the type, as every GGUF tool spells it.")]
    public static readonly GgufWeightFormat Q8_0 = new("q8_0", GgmlType.Q8_0, FileType: 7);

    public static IReadOnlyList<GgufWeightFormat> All { get; } = [F32, BF16, Q8_0];

    /// <exception cref="ArgumentException">No format has that name.</exception>
    public static GgufWeightFormat Parse(string name) =>
        All.FirstOrDefault(format => string.Equals(format.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown weight format '{name}': use {string.Join(", ", All.Select(format => format.Name))}.", nameof(name));

    public override string ToString() => Name;
}
