using Google.Protobuf.WellKnownTypes;
using Herd.Contracts.V1;
using Herd.Gateway.Access;
using Herd.Gateway.Access.Roles;
using Herd.Gateway.Admission.Fees;
using Herd.Gateway.Admission.Limits;

namespace Herd.Gateway.Api.Grpc.Account;

/// <summary>Builds the <see cref="AccountInfo"/> a key sees of itself.</summary>
internal static class AccountMessages
{
    public static AccountInfo Info(Caller caller, IReadOnlyList<LimitStatus> limits, FeeOptions fees)
    {
        var role = caller.Role;
        var info = new AccountInfo
        {
            KeyId = caller.KeyId,
            KeyName = caller.KeyName,
            Role = role.Name,
            MaxPriority = role.MaxPriority,
            HistoryOptOut = caller.HistoryOptOut,
            Currency = fees.Currency,
            DefaultRate = Rate(string.Empty, fees.Default),
            PriorityMultiplierPerLevel = Text(fees.PriorityMultiplierPerLevel),
        };
        info.Limits.AddRange(limits.Select(State));
        info.Rates.AddRange(fees.Models
            .Where(model => model.Value is not null && role.AllowsModel(model.Key))
            .OrderBy(model => model.Key, StringComparer.Ordinal)
            .Select(model => Rate(model.Key, model.Value)));
        return info;
    }

    public static void AddBudget(AccountInfo info, decimal budget, decimal spent)
    {
        info.Budget = Text(budget);
        info.Spent = Text(spent);
        info.Remaining = Text(Math.Max(0m, budget - spent));
    }

    private static LimitState State(LimitStatus status) => new()
    {
        Kind = status.Rule.Kind == LimitKind.Requests ? "requests" : "tokens",
        Amount = status.Rule.Amount,
        Window = Duration.FromTimeSpan(status.Rule.Window),
        Used = status.Used,
        Remaining = status.Remaining,
        ResetsAt = Timestamp.FromDateTimeOffset(status.ResetsAt),
    };

    private static ModelRate Rate(string model, ModelPrice price) => new()
    {
        Model = model,
        PerPromptToken = Text(price.PerPromptToken),
        PerCompletionToken = Text(price.PerCompletionToken),
        PerRequest = Text(price.PerRequest),
    };

    private static string Text(decimal amount) => FeeText.Format(amount);
}
