using System.Globalization;
using Herd.Gateway.Access.Roles;
using Microsoft.Extensions.Options;

namespace Herd.Gateway.Admission.Fees;

/// <summary>
/// What a request costs: its model's price for the tokens it used, times its priority's
/// multiplier. Follows the <c>Herd:Gateway:Fees</c> configuration as it changes.
/// </summary>
public sealed class PriceTable(IOptionsMonitor<FeeOptions> options)
{
    /// <summary>Fees are exact to this many decimal places (nano-units of the currency).</summary>
    public const int FeeDecimals = 9;

    /// <summary>The name of the unit fees are counted in, such as "credits".</summary>
    public string Currency => options.CurrentValue.Currency;

    /// <summary>The fee settings as they stand now: the listed models' prices, the default, the multiplier.</summary>
    public FeeOptions Current => options.CurrentValue;

    /// <summary>The price of <paramref name="model"/>: its own entry, else the default price.</summary>
    public ModelPrice PriceOf(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return PriceOf(options.CurrentValue, model);
    }

    /// <summary>1 + priority × <see cref="FeeOptions.PriorityMultiplierPerLevel"/>.</summary>
    /// <param name="priority">0 to <see cref="Role.HighestPriority"/>.</param>
    public decimal MultiplierFor(int priority)
    {
        ThrowIfInvalidPriority(priority);
        return MultiplierOf(options.CurrentValue, priority);
    }

    /// <summary>
    /// (PerRequest + prompt tokens × PerPromptToken + completion tokens × PerCompletionToken) ×
    /// <see cref="MultiplierFor"/>, rounded up to <see cref="FeeDecimals"/> places so that no
    /// request is ever charged less than its price.
    /// </summary>
    public decimal FeeOf(string model, int priority, long promptTokens, long completionTokens)
    {
        ArgumentNullException.ThrowIfNull(model);
        ThrowIfInvalidPriority(priority);
        ThrowIfNegative(promptTokens, nameof(promptTokens));
        ThrowIfNegative(completionTokens, nameof(completionTokens));

        // One snapshot, so that a configuration change cannot mix old prices with a new multiplier.
        var current = options.CurrentValue;
        var price = PriceOf(current, model);
        var fee = (price.PerRequest + (promptTokens * price.PerPromptToken) + (completionTokens * price.PerCompletionToken))
            * MultiplierOf(current, priority);
        // Fees are never negative, so rounding toward positive infinity is rounding up.
        return Math.Round(fee, FeeDecimals, MidpointRounding.ToPositiveInfinity);
    }

    private static ModelPrice PriceOf(FeeOptions current, string model) =>
        current.Models.TryGetValue(model, out var price) && price is not null ? price : current.Default;

    private static decimal MultiplierOf(FeeOptions current, int priority) => 1 + (priority * current.PriorityMultiplierPerLevel);

    private static void ThrowIfInvalidPriority(int priority)
    {
        if (priority is < 0 or > Role.HighestPriority)
        {
            throw new ArgumentOutOfRangeException(nameof(priority), priority,
                string.Create(CultureInfo.InvariantCulture, $"priority is {priority}; it must be between 0 and {Role.HighestPriority}."));
        }
    }

    private static void ThrowIfNegative(long tokens, string parameterName)
    {
        if (tokens < 0)
        {
            throw new ArgumentOutOfRangeException(parameterName, tokens,
                string.Create(CultureInfo.InvariantCulture, $"{parameterName} is {tokens}; a token count must be 0 or more."));
        }
    }
}
