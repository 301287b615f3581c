using System.Text.RegularExpressions;

namespace Herd.Gateway.Access.Roles;

/// <summary>
/// What the keys of one role may do: which models, adapters and experts, node groups, gRPC methods,
/// prompts and web app tabs they may use, the highest priority they may ask for, the limits they are held to and the budget
/// each key may spend. Read from the roles file (see <see cref="RolesFile"/>).
/// </summary>
public sealed partial class Role
{
    /// <summary>The highest request priority; a role without a ceiling may ask for it.</summary>
    public const int HighestPriority = 100;

    public Role(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    public string Name { get; }

    /// <summary>True for a valid role name: a lowercase letter, then up to 62 lowercase letters, digits, <c>_</c> or <c>-</c>.</summary>
    public static bool IsValidName(string? name) => name is not null && NameShape().IsMatch(name);

    /// <summary>Model name patterns; all models unless the file says otherwise.</summary>
    public NamePatterns Models { get; init; } = NamePatterns.All;

    /// <summary>
    /// Adapter and expert name patterns: the adapters a <c>base:adapter</c> model may name and the
    /// experts a <c>base:auto</c> model may route to; all unless the file says otherwise.
    /// </summary>
    public NamePatterns Experts { get; init; } = NamePatterns.All;

    /// <summary>Node group patterns: the groups whose nodes may serve this role's jobs; all unless the file says otherwise.</summary>
    public NamePatterns NodeGroups { get; init; } = NamePatterns.All;

    /// <summary>gRPC method patterns without the leading slash, such as <c>herd.v1.Completions/*</c>; none unless the file says otherwise.</summary>
    public NamePatterns Methods { get; init; } = NamePatterns.None;

    /// <summary>Prompt patterns, as <c>id</c> (every stage) or <c>id@stage</c>; all unless the file says otherwise.</summary>
    public NamePatterns Prompts { get; init; } = NamePatterns.All;

    /// <summary>Web app tab name patterns (see <c>TabNames</c>): the tabs the role's keys see in the web app; none unless the file says otherwise.</summary>
    public NamePatterns Tabs { get; init; } = NamePatterns.None;

    /// <summary>The highest priority this role's requests may ask for, 0 to <see cref="HighestPriority"/>.</summary>
    public int MaxPriority { get; init; } = HighestPriority;

    /// <summary>Every limit a key of this role is held to at once; empty when unlimited.</summary>
    public IReadOnlyList<LimitRule> Limits { get; init; } = [];

    /// <summary>What each key of this role may spend, or null for no budget.</summary>
    public decimal? Budget { get; init; }

    public bool AllowsModel(string model) => Models.Matches(model);

    /// <summary>Whether the role may use an adapter by name, or an expert by name (not its adapter's).</summary>
    public bool AllowsExpert(string name) => Experts.Matches(name);

    public bool AllowsNodeGroup(string nodeGroup) => NodeGroups.Matches(nodeGroup);

    /// <summary>Whether the role may call a gRPC method, named as <c>ServerCallContext.Method</c> gives it (<c>/herd.v1.Completions/Complete</c>) or without the leading slash.</summary>
    public bool AllowsMethod(string grpcFullMethod)
    {
        ArgumentNullException.ThrowIfNull(grpcFullMethod);
        return Methods.Matches(WithoutLeadingSlash(grpcFullMethod));
    }

    /// <summary>
    /// Whether the role may see and call a prompt's versions on <paramref name="stage"/>: a pattern
    /// with <c>@</c> is matched against <c>id@stage</c> (<c>*@prod</c>), one without against the id
    /// alone, at every stage (<c>summarize_*</c>).
    /// </summary>
    public bool AllowsPrompt(string promptId, string stage)
    {
        ArgumentNullException.ThrowIfNull(promptId);
        ArgumentNullException.ThrowIfNull(stage);
        foreach (var pattern in Prompts.Patterns)
        {
            var name = pattern.Contains('@', StringComparison.Ordinal) ? $"{promptId}@{stage}" : promptId;
            if (NamePatterns.IsMatch(pattern, name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the role's keys may open a tab of the web app, named as <c>TabNames</c> names it.</summary>
    public bool AllowsTab(string tab) => Tabs.Matches(tab);

    public override string ToString() => Name;

    internal static string WithoutLeadingSlash(string method) => method.StartsWith('/') ? method[1..] : method;

    // \z, not $: $ would let a trailing newline through.
    [GeneratedRegex(@"^[a-z][a-z0-9_-]{0,62}\z", RegexOptions.CultureInvariant)]
    private static partial Regex NameShape();
}
