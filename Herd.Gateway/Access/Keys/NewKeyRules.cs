using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Herd.Gateway.Access.Roles;
using Herd.Gateway.Ledger;

namespace Herd.Gateway.Access.Keys;

/// <summary>
/// What a new key's name, role and budget must be, beyond the store's own checks, in words for
/// the person who chose them; the gRPC door and the web app ask the same.
/// </summary>
public static class NewKeyRules
{
    private const int MaxBudgetLength = 40;

    /// <summary>Null when the roles file defines the role; otherwise what is wrong.</summary>
    public static string? RoleProblem(RoleCatalog roles, string role)
    {
        ArgumentNullException.ThrowIfNull(roles);
        ArgumentNullException.ThrowIfNull(role);
        if (roles.TryGet(role, out _))
        {
            return null;
        }

        var known = string.Join(", ", roles.Roles.Select(known => known.Name));
        var given = role.Length <= ApiKeyRecord.MaxRoleLength ? $"'{role}'" : $"of {role.Length} characters";
        return $"role {given} is not a role of this gateway's roles file; use one of: {known}.";
    }

    /// <summary>Null for a name without control characters, which would let it forge lines in logs and listings.</summary>
    public static string? NameProblem(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Any(char.IsControl)
            ? "name must not hold control characters (line breaks, tabs, escapes); write it on one line."
            : null;
    }

    /// <summary>Reads decimal text of 0 or more: digits with an optional '.', no sign, exponent or grouping.</summary>
    public static bool TryReadBudget(string text, out decimal budget, [NotNullWhen(false)] out string? problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        problem = null;
        if (text.Length <= MaxBudgetLength && decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out budget))
        {
            return true;
        }

        budget = 0;
        problem = $"budget must be decimal text of 0 or more, such as \"10.50\" (digits and one '.', no sign or exponent); got {(text.Length <= MaxBudgetLength ? $"\"{text}\"" : $"{text.Length} characters")}. Leave it unset to use the role's budget.";
        return false;
    }

    /// <summary>The store's <see cref="ArgumentException"/> message without the parameter name .NET appends.</summary>
    public static string Problem(ArgumentException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.ParamName is null ? exception.Message : exception.Message.Replace($" (Parameter '{exception.ParamName}')", "", StringComparison.Ordinal);
    }
}
