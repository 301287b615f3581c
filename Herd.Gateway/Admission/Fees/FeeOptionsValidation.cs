using System.Globalization;
using Herd.Gateway.Access.Roles;
using Microsoft.Extensions.Options;

namespace Herd.Gateway.Admission.Fees;

/// <summary>
/// Checks <see cref="FeeOptions"/> at start and on every change, and reports every problem at
/// once, each naming the configuration key to fix.
/// </summary>
public sealed class FeeOptionsValidation : IValidateOptions<FeeOptions>
{
    public ValidateOptionsResult Validate(string? name, FeeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Currency))
        {
            errors.Add($"{FeeOptions.Section}:{nameof(FeeOptions.Currency)} is empty; name the unit fees are counted in, for example credits.");
        }

        if (options.PriorityMultiplierPerLevel is < 0 or > 1)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture,
                $"{FeeOptions.Section}:{nameof(FeeOptions.PriorityMultiplierPerLevel)} is {options.PriorityMultiplierPerLevel}; it must be between 0 and 1 "
                + $"(a request's fee is multiplied by 1 + priority × it, for priorities 0 to {Role.HighestPriority})."));
        }

        CheckPrice($"{FeeOptions.Section}:{nameof(FeeOptions.Default)}", options.Default, errors);
        foreach (var (model, price) in options.Models.OrderBy(entry => entry.Key, StringComparer.Ordinal))
        {
            CheckPrice($"{FeeOptions.Section}:{nameof(FeeOptions.Models)}:{model}", price, errors);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckPrice(string key, ModelPrice? price, List<string> errors)
    {
        if (price is null)
        {
            errors.Add($"{key} has no prices; give PerPromptToken, PerCompletionToken and PerRequest, or leave the entry out.");
            return;
        }

        CheckPart($"{key}:{nameof(ModelPrice.PerPromptToken)}", price.PerPromptToken, errors);
        CheckPart($"{key}:{nameof(ModelPrice.PerCompletionToken)}", price.PerCompletionToken, errors);
        CheckPart($"{key}:{nameof(ModelPrice.PerRequest)}", price.PerRequest, errors);
    }

    private static void CheckPart(string key, decimal value, List<string> errors)
    {
        if (value < 0)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{key} is {value}; a price must be 0 or more."));
        }
    }
}
