
using Herd.Gateway.Admission.Fees;
using Herd.Gateway.Admission.Limits;
namespace Herd.Gateway.Admission;

/// <summary>What the <see cref="ICompletionAdmission"/> allowed a completion, and what it holds until settled.</summary>
/// <param name="NodeGroups">The node group patterns whose nodes may serve it; empty for any group.</param>
/// <param name="Reservation">The tokens reserved under the key's limits; null when nothing was counted.</param>
/// <param name="PromptTokenBound">The most tokens the prompt can take, charged when the node never said how many it took.</param>
public sealed record AdmittedCompletion(IReadOnlyList<string> NodeGroups, Reservation? Reservation, long PromptTokenBound)
{
    /// <summary>Nothing checked (<see cref="OpenAdmission"/>): any group, nothing counted.</summary>
    public static readonly AdmittedCompletion Unchecked = new([], null, 0);

    /// <summary>The most the request may cost, held against the key's budget; null when the key has no budget.</summary>
    public BudgetReservation? BudgetReservation { get; init; }

    /// <summary>The model and priority the fee is worked out for; null model when nothing is charged.</summary>
    public string? Model { get; init; }

    public int Priority { get; init; }
}
