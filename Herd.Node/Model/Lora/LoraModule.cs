namespace Herd.Node.Model.Lora;

/// <summary>The linear layers of a decoder layer that a LoRA adapter may adapt.</summary>
public enum LoraModule
{
    QProj,
    KProj,
    VProj,
    OProj,
    GateProj,
    UpProj,
    DownProj,
}

/// <summary>
/// Where an adapter's update is added: Herd fuses q, k and v into one product and gate and up into
/// another, so a site is one product of the engine and a module is one part of it.
/// </summary>
public enum LoraSite
{
    Qkv,
    Output,
    GateUp,
    Down,
}

/// <summary>The names, shapes and places of <see cref="LoraModule"/>s, as Hugging Face checkpoints and PEFT name them.</summary>
public static class LoraModules
{
    public static IReadOnlyList<LoraModule> All { get; } = Enum.GetValues<LoraModule>();

    public static int SiteCount { get; } = Enum.GetValues<LoraSite>().Length;

    /// <summary>The module's name in a checkpoint and in PEFT's <c>target_modules</c>: <c>q_proj</c>, ..., <c>down_proj</c>.</summary>
    public static string Name(this LoraModule module) => module switch
    {
        LoraModule.QProj => "q_proj",
        LoraModule.KProj => "k_proj",
        LoraModule.VProj => "v_proj",
        LoraModule.OProj => "o_proj",
        LoraModule.GateProj => "gate_proj",
        LoraModule.UpProj => "up_proj",
        _ => "down_proj",
    };

    /// <summary>Its path under a decoder layer: <c>self_attn.q_proj</c> or <c>mlp.gate_proj</c>.</summary>
    public static string PathInLayer(this LoraModule module) =>
        (module <= LoraModule.OProj ? "self_attn." : "mlp.") + module.Name();

    public static LoraModule? Parse(string name) =>
        All.Select(module => (LoraModule?)module).FirstOrDefault(module => module!.Value.Name() == name);

    public static LoraSite Site(this LoraModule module) => module switch
    {
        LoraModule.QProj or LoraModule.KProj or LoraModule.VProj => LoraSite.Qkv,
        LoraModule.OProj => LoraSite.Output,
        LoraModule.GateProj or LoraModule.UpProj => LoraSite.GateUp,
        _ => LoraSite.Down,
    };

    /// <summary>The module's weight shape in the model: its input and output features.</summary>
    public static (long In, long Out) Shape(this LoraModule module, ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        long hidden = config.HiddenSize;
        long queries = (long)config.NumAttentionHeads * config.HeadDimension;
        long keyValues = (long)config.KeyValueHeads * config.HeadDimension;
        return module switch
        {
            LoraModule.QProj => (hidden, queries),
            LoraModule.KProj or LoraModule.VProj => (hidden, keyValues),
            LoraModule.OProj => (queries, hidden),
            LoraModule.GateProj or LoraModule.UpProj => (hidden, config.IntermediateSize),
            _ => (config.IntermediateSize, hidden),
        };
    }

    /// <summary>Where the module's output starts within its site's fused output (q, k, v; gate, up).</summary>
    public static long OutputOffset(this LoraModule module, ModelConfig config) => module switch
    {
        LoraModule.KProj => LoraModule.QProj.Shape(config).Out,
        LoraModule.VProj => LoraModule.QProj.Shape(config).Out + LoraModule.KProj.Shape(config).Out,
        LoraModule.UpProj => LoraModule.GateProj.Shape(config).Out,
        _ => 0,
    };
}
