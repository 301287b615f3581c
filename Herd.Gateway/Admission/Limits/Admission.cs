using System.Diagnostics.CodeAnalysis;

namespace Herd.Gateway.Admission.Limits;

/// <summary>
/// The answer of <see cref="UsageLimiter.AdmitAsync"/>: admitted, with the
/// <see cref="Reservation"/> to settle later, or refused, with the <see cref="Refusal"/> to tell
/// the client.
/// </summary>
public sealed class Admission
{
    private Admission(Reservation? reservation, LimitRefusal? refusal)
    {
        Reservation = reservation;
        Refusal = refusal;
    }

    [MemberNotNullWhen(true, nameof(Reservation))]
    [MemberNotNullWhen(false, nameof(Refusal))]
    public bool IsAdmitted => Reservation is not null;

    /// <summary>For an admitted request: what it charged.</summary>
    public Reservation? Reservation { get; }

    /// <summary>For a refused request: the rule that keeps it out longest. Nothing was charged.</summary>
    public LimitRefusal? Refusal { get; }

    public static Admission Admitted(Reservation reservation)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        return new Admission(reservation, null);
    }

    public static Admission Refused(LimitRefusal refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return new Admission(null, refusal);
    }
}
