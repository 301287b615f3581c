namespace Herd.Gateway.Admission.Fees;

/// <summary>
/// A request's most possible fee, added to its key's spend at admission. Hand it to
/// <see cref="BudgetKeeper.SettleAsync"/> once, when the real fee is known.
/// </summary>
/// <param name="KeyId">The API key whose spend holds the reservation.</param>
/// <param name="MaxFee">The amount reserved: the most the request may cost.</param>
public sealed record BudgetReservation(string KeyId, decimal MaxFee);
