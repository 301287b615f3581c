namespace Herd.Gateway.Ledger;

/// <summary>
/// One published version of a prompt or chain, as the ledger keeps it. A version never changes
/// once published, except that it may be retired; the prompt repository maps it to and from
/// <c>Prompts.PromptDefinition</c>.
/// </summary>
public sealed class PromptVersionRecord
{
    public const int MaxIdLength = 64;
    public const int MaxVersionLength = 32;
    public const int MaxStageLength = 32;
    public const int MaxNameLength = 200;
    public const int MaxDescriptionLength = 4000;

    /// <summary>Orders versions by publication across the ledger; the database assigns it.</summary>
    public long Sequence { get; init; }

    public required string PromptId { get; init; }

    public required string Version { get; init; }

    /// <summary>Who may see and call this version, through the roles' <c>allow_prompts</c>.</summary>
    public required string Stage { get; init; }

    public required string Name { get; init; }

    public required string Description { get; init; }

    public required List<string> TargetModels { get; init; }

    /// <summary>The variables in the order a form shows them, with their defaults, as JSON (a list of name and default).</summary>
    public required string VariablesJson { get; init; }

    /// <summary>The mustache template; empty for a chain.</summary>
    public required string Template { get; init; }

    /// <summary>The default sampling, as protobuf JSON of <c>SamplingParams</c>.</summary>
    public required string SamplingJson { get; init; }

    /// <summary>A chain's steps as JSON; an empty list for a prompt.</summary>
    public required string StepsJson { get; init; }

    public DateTimeOffset PublishedAt { get; init; }

    /// <summary>The key that published it; null for the gateway's seed file.</summary>
    public string? PublishedBy { get; init; }

    /// <summary>When it stopped being callable; null while it is.</summary>
    public DateTimeOffset? RetiredAt { get; set; }
}
