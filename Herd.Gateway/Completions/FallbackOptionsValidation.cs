using System.Globalization;
using Herd.Gateway.Queue;
using Microsoft.Extensions.Options;

namespace Herd.Gateway.Completions;

/// <summary>
/// Checks <see cref="FallbackOptions"/> at start: each fallback names another model, and waits
/// more than nothing and less than the queue's maximum wait (after which the job would fail anyway).
/// Every problem is reported at once, naming the key to fix.
/// </summary>
public sealed class FallbackOptionsValidation(IOptions<QueueOptions> queue) : IValidateOptions<FallbackOptions>
{
    public ValidateOptionsResult Validate(string? name, FallbackOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var maxWait = queue.Value.MaxWait;
        var errors = new List<string>();
        foreach (var (model, fallback) in options.Models.OrderBy(entry => entry.Key, StringComparer.Ordinal))
        {
            var key = $"{FallbackOptions.Section}:{model}";
            if (string.IsNullOrWhiteSpace(fallback.Model))
            {
                errors.Add($"{key}:Model is empty; name the model that takes {model}'s jobs when no node takes them in time.");
            }
            else if (string.Equals(fallback.Model, model, StringComparison.Ordinal))
            {
                errors.Add($"{key}:Model is {model} itself; name another model.");
            }

            if (fallback.After <= TimeSpan.Zero || fallback.After >= maxWait)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{key}:After is {fallback.After}; it must be more than 0 and less than the queue's maximum wait ({QueueOptions.Section}:MaxWait, {maxWait})."));
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
