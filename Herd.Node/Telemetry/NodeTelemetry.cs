using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Herd.Node.Telemetry;

/// <summary>
/// The node's telemetry names in one place: its ActivitySource and meter name, span names and
/// attribute keys. OpenTelemetry semantic-convention names (gen_ai.*) where they exist, herd.*
/// otherwise. Herd.ServiceDefaults exports every source and meter whose name starts with "Herd.".
/// </summary>
public static class NodeTelemetry
{
    /// <summary>The ActivitySource and Meter name.</summary>
    public const string Name = "Herd.Node";

    /// <summary>One job assigned over NodeLink, from its arrival to its last token.</summary>
    public const string JobSpan = "herd.node.job";

    /// <summary>A sequence from its admission into the running batch until its first token.</summary>
    public const string PrefillSpan = "herd.node.prefill";

    /// <summary>A sequence from its first token until it ends.</summary>
    public const string DecodeSpan = "herd.node.decode";

    /// <summary>An embedding job from the engine pass that runs its first text until its vectors are ready.</summary>
    public const string EmbedSpan = "herd.node.embed";

    public const string ModelAttribute = "gen_ai.request.model";
    public const string OperationNameAttribute = "gen_ai.operation.name";
    public const string NodeIdAttribute = "herd.node.id";
    public const string InputTokensAttribute = "gen_ai.usage.input_tokens";
    public const string OutputTokensAttribute = "gen_ai.usage.output_tokens";
    public const string FinishReasonsAttribute = "gen_ai.response.finish_reasons";
    public const string EmbeddingDimensionsAttribute = "gen_ai.embeddings.dimension.count";
    public const string EmbeddingTextsAttribute = "herd.embedding.texts";
    public const string AdaptersAttribute = "herd.adapters";

    /// <summary>The provider's name for the model a provider node sent the job to.</summary>
    public const string ProviderModelAttribute = "herd.provider.model";

    /// <summary>Spans are a static source, as .NET recommends: listeners subscribe by name.</summary>
    public static readonly ActivitySource Source = new(Name);

    /// <summary>The node's meter; meters from one factory belong to one host, so tests can listen to theirs alone.</summary>
    public static Meter CreateMeter(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        return meters.Create(Name);
    }

    /// <summary>
    /// Starts a span under <paramref name="parent"/> without making it the thread's current
    /// activity: the engine thread runs many sequences' spans at once, so none of them is
    /// "current" there, and spans started later must not nest under one by accident.
    /// </summary>
    public static Activity? StartDetached(string name, ActivityContext parent, ActivityKind kind = ActivityKind.Internal)
    {
        var current = Activity.Current;
        var activity = Source.StartActivity(name, kind, parent);
        Activity.Current = current;
        return activity;
    }
}
