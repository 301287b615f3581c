namespace Herd.Gateway.Admission.Fees;

/// <summary>
/// Amounts as Redis counts them: whole nano-units (1e-9) of the currency, so that counters add up
/// exactly. Amounts too large for a 64-bit count (about 9.2 billion) become the largest count.
/// </summary>
internal static class NanoUnits
{
    private const decimal PerUnit = 1_000_000_000m;

    // Beyond this, amount × PerUnit would not fit a long.
    private const decimal LargestAmount = long.MaxValue / PerUnit;

    /// <summary>The amount in nano-units, rounded up: for what may be charged.</summary>
    public static long Up(decimal amount) => amount >= LargestAmount ? long.MaxValue : (long)Math.Ceiling(amount * PerUnit);

    /// <summary>The amount in nano-units, rounded down: for what may be spent.</summary>
    public static long Down(decimal amount) => amount >= LargestAmount ? long.MaxValue : (long)Math.Floor(amount * PerUnit);

    public static decimal ToAmount(long nanos) => nanos / PerUnit;
}
