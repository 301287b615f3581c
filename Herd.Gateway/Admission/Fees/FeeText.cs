using System.Globalization;

namespace Herd.Gateway.Admission.Fees;

/// <summary>Amounts of money as the API gives them: invariant decimal text without trailing zeros (0.01, not 0.010000000).</summary>
public static class FeeText
{
    public static string Format(decimal amount) =>
        // Dividing by 1 with the most trailing zeros decimal holds drops the value's own trailing zeros.
        (amount / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);
}
