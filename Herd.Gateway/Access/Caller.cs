using Herd.Gateway.Access.Roles;

namespace Herd.Gateway.Access;

/// <summary>Who makes a call: the verified API key and the role it had when the call came in.</summary>
/// <param name="KeyId">The key's public id, safe to log.</param>
/// <param name="KeyName">What the key is for, as its admin named it.</param>
/// <param name="HistoryOptOut">True when the key's prompts and completions must not be kept.</param>
/// <param name="KeyBudget">The key's own spend budget; null to use the role's.</param>
public sealed record Caller(string KeyId, string KeyName, Role Role, bool HistoryOptOut, decimal? KeyBudget)
{
    /// <summary>What the key may spend: its own budget, else its role's; null when neither has one.</summary>
    public decimal? Budget => KeyBudget ?? Role.Budget;
}
