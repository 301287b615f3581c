
using Herd.Gateway.Admission.Fees;
namespace Herd.Tests.Gateway.Fees;

public sealed class BudgetMessagesTests
{
    [Fact]
    public void Exhausted_NearTheEnd_SaysWhatWasSpentAndWhatTheRequestMayCost()
    {
        var refused = new BudgetAdmission(null, Spent: 9.980000000m, Budget: 10.00m);

        var message = BudgetMessages.Exhausted(refused, maxFee: 0.05m, currency: "credits");

        Assert.Equal(
            "The key has spent 9.98 of its 10 credits budget; this request may cost up to 0.05 credits. "
            + "Ask an admin for a larger budget, or lower max_tokens.",
            message);
    }

    [Fact]
    public void Exhausted_RequestDearerThanTheWholeBudget_SaysSo()
    {
        var refused = new BudgetAdmission(null, Spent: 0m, Budget: 1m);

        var message = BudgetMessages.Exhausted(refused, maxFee: 2.5m, currency: "EUR");

        Assert.Equal(
            "This request may cost up to 2.5 EUR, more than the key's whole budget of 1 EUR (it has spent 0). "
            + "Lower max_tokens or send a shorter prompt, or ask an admin for a larger budget.",
            message);
    }

    [Fact]
    public void Exhausted_CostBeyondNineDecimals_IsShownRoundedUp()
    {
        var refused = new BudgetAdmission(null, Spent: 1m, Budget: 1m);

        var message = BudgetMessages.Exhausted(refused, maxFee: 0.0000000001m, currency: "credits");

        Assert.Contains("may cost up to 0.000000001 credits", message, StringComparison.Ordinal);
    }
}
