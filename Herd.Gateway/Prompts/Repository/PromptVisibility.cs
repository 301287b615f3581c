using Herd.Gateway.Access.Roles;
using Herd.Gateway.Ledger;

namespace Herd.Gateway.Prompts.Repository;

/// <summary>Which versions a reader may see: those whose id and stage the role's <c>allow_prompts</c> name.</summary>
public sealed class PromptVisibility
{
    private readonly Func<string, string, bool> _allows;

    private PromptVisibility(Func<string, string, bool> allows) => _allows = allows;

    /// <summary>Every version: for the gateway's own work (seeding) and a herd without access control.</summary>
    public static PromptVisibility Everything { get; } = new((_, _) => true);

    public static PromptVisibility Of(Role role)
    {
        ArgumentNullException.ThrowIfNull(role);
        return new PromptVisibility(role.AllowsPrompt);
    }

    public bool Allows(string promptId, string stage) => _allows(promptId, stage);

    internal bool Allows(PromptVersionRecord record) => _allows(record.PromptId, record.Stage);
}
