using Microsoft.Extensions.Options;

namespace Herd.Node.Providers;

/// <summary>
/// Checks what the attributes of <see cref="ProviderOptions"/> cannot: the base URL's kind, the
/// model map, and that the key's variable is set. Every problem is reported at once, beside the
/// attributes' own, each naming the key to fix.
/// </summary>
public sealed class ProviderOptionsValidation : IValidateOptions<ProviderOptions>
{
    public ValidateOptionsResult Validate(string? name, ProviderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.BaseUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            errors.Add($"Herd:Node:Provider:BaseUrl must be an absolute http or https URL, not '{url}'.");
        }

        if (options.Models.Count == 0)
        {
            errors.Add("Herd:Node:Provider:Models must map at least one herd model name to the provider's name (Herd__Node__Provider__Models__<herd name>=<provider name>).");
        }

        foreach (var (herdName, providerName) in options.Models)
        {
            if (string.IsNullOrWhiteSpace(providerName))
            {
                errors.Add($"Herd:Node:Provider:Models:{herdName} names no provider model.");
            }
        }

        foreach (var (herdName, length) in options.ContextLengths)
        {
            if (!options.Models.ContainsKey(herdName) || length < 1)
            {
                errors.Add($"Herd:Node:Provider:ContextLengths:{herdName} must be a positive length of a model in Herd:Node:Provider:Models.");
            }
        }

        if (options.ApiKeyVariable is { Length: > 0 } variable && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable)))
        {
            errors.Add($"Herd:Node:Provider:ApiKeyVariable names the environment variable {variable}, which is not set.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
