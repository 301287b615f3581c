using System.Text;

namespace Herd.AppHost.Publishing;

/// <summary>
/// A value of the app model as a deployed container sees it: text, with the secret parameters it
/// embeds kept apart (<see cref="Parts"/> holds strings and <see cref="ParameterResource"/>s), so
/// that no secret is written into an object but a Secret.
/// </summary>
/// <param name="Parts">The text and the secrets, in order; adjacent texts are joined.</param>
internal sealed record KubernetesValue(IReadOnlyList<object> Parts)
{
    /// <summary>The parameter when the value is one secret and nothing else, which a variable reads straight from its Secret.</summary>
    public ParameterResource? WholeSecret => Parts is [ParameterResource secret] ? secret : null;

    /// <summary>The secrets the value embeds.</summary>
    public IEnumerable<ParameterResource> Secrets => Parts.OfType<ParameterResource>();

    /// <summary>The value when it embeds no secret.</summary>
    public string? Text => Parts.All(part => part is string) ? string.Concat(Parts) : null;

    public static KubernetesValue FromText(string text) => new([text]);

    public static KubernetesValue Concat(IEnumerable<KubernetesValue> values)
    {
        var parts = new List<object>();
        foreach (var part in values.SelectMany(value => value.Parts))
        {
            if (part is string text && parts.Count > 0 && parts[^1] is string previous)
            {
                parts[^1] = previous + text;
            }
            else if (part is not "")
            {
                parts.Add(part);
            }
        }

        return new KubernetesValue(parts);
    }

    /// <summary>
    /// The value in Kubernetes' dependent-variable syntax, as an environment variable's value or a
    /// container argument takes it: each secret as <c>$(VARIABLE)</c> of the variable that holds it,
    /// and the text escaped so that nothing else reads as a reference.
    /// </summary>
    /// <param name="variableOf">The container's variable that holds a secret.</param>
    public string Expand(Func<ParameterResource, string> variableOf)
    {
        ArgumentNullException.ThrowIfNull(variableOf);
        var expanded = new StringBuilder();
        foreach (var part in Parts)
        {
            expanded.Append(part is ParameterResource secret ? $"$({variableOf(secret)})" : Escape((string)part));
        }

        return expanded.ToString();
    }

    /// <summary>
    /// Kubernetes reads <c>$$</c> as <c>$</c> and <c>$(</c> as the start of a reference; a <c>$</c>
    /// before anything else stays as it is (<c>$REDIS_PASSWORD</c> reaches a shell unchanged). So a
    /// <c>$</c> is doubled where the next character, or a reference after the text, would change it.
    /// </summary>
    private static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            escaped.Append(text[i]);
            if (text[i] == '$' && (i == text.Length - 1 || text[i + 1] is '$' or '('))
            {
                escaped.Append('$');
            }
        }

        return escaped.ToString();
    }
}
