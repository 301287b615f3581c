using System.Diagnostics.CodeAnalysis;

namespace Herd.Gateway.Admission.Fees;

/// <summary>
/// The answer of <see cref="BudgetKeeper.ReserveAsync"/>: admitted, with the
/// <see cref="Reservation"/> to settle later, or refused, with nothing changed;
/// <see cref="BudgetMessages.Exhausted"/> tells the client why.
/// </summary>
/// <param name="Reservation">For an admitted request, what it reserved; null when refused.</param>
/// <param name="Spent">What the key had committed before this request: settled fees and open reservations.</param>
/// <param name="Budget">The budget the request was held to.</param>
public sealed record BudgetAdmission(BudgetReservation? Reservation, decimal Spent, decimal Budget)
{
    [MemberNotNullWhen(true, nameof(Reservation))]
    public bool IsAdmitted => Reservation is not null;
}
