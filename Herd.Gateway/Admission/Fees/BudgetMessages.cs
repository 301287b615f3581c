using System.Globalization;

namespace Herd.Gateway.Admission.Fees;

/// <summary>
/// What a client is told when its key's budget refuses a request; the caller answers
/// RESOURCE_EXHAUSTED with it, and no retry hint, since a budget does not reset.
/// </summary>
public static class BudgetMessages
{
    /// <summary>
    /// "The key has spent 9.98 of its 10 credits budget; this request may cost up to 0.05 credits.
    /// Ask an admin for a larger budget, or lower max_tokens."
    /// </summary>
    /// <param name="maxFee">The most the refused request may cost, as reserved.</param>
    public static string Exhausted(BudgetAdmission admission, decimal maxFee, string currency)
    {
        ArgumentNullException.ThrowIfNull(admission);
        ArgumentNullException.ThrowIfNull(currency);
        if (maxFee > admission.Budget)
        {
            return $"This request may cost up to {Amount(maxFee)} {currency}, more than the key's whole budget of {Amount(admission.Budget)} {currency} "
                + $"(it has spent {Amount(admission.Spent)}). Lower max_tokens or send a shorter prompt, or ask an admin for a larger budget.";
        }

        return $"The key has spent {Amount(admission.Spent)} of its {Amount(admission.Budget)} {currency} budget; "
            + $"this request may cost up to {Amount(maxFee)} {currency}. Ask an admin for a larger budget, or lower max_tokens.";
    }

    // Rounded up, so that the cost a client reads is never below what the gateway reserved.
    private static string Amount(decimal amount) =>
        Math.Round(amount, PriceTable.FeeDecimals, MidpointRounding.ToPositiveInfinity).ToString("0.#########", CultureInfo.InvariantCulture);
}
