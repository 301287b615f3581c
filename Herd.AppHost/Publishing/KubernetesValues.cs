using System.Globalization;
using System.Text;

namespace Herd.AppHost.Publishing;

/// <summary>
/// Turns the values of the app model (what environment callbacks and argument callbacks give in
/// publish mode: text, parameters, connection strings, endpoints, reference expressions) into
/// <see cref="KubernetesValue"/>s, and notes which resources the values of other resources dial,
/// since those need a Service.
/// </summary>
internal sealed class KubernetesValues
{
    private readonly HashSet<IResource> _dialed = [];

    /// <summary>Whether a value of another resource names an endpoint of the resource.</summary>
    public bool IsDialed(IResource resource) => _dialed.Contains(resource);

    /// <param name="value">What a callback gave.</param>
    /// <param name="owner">The resource the value is for: its own endpoints (where it listens) dial nothing.</param>
    /// <param name="cancellationToken">Stops reading parameters' values.</param>
    public async ValueTask<KubernetesValue> ConvertAsync(object? value, IResource owner, CancellationToken cancellationToken) => value switch
    {
        null => KubernetesValue.FromText(string.Empty),
        string text => KubernetesValue.FromText(text),
        ParameterResource { Secret: true } secret => new KubernetesValue([secret]),
        ParameterResource parameter => KubernetesValue.FromText(await parameter.GetValueAsync(cancellationToken) ?? string.Empty),
        ConnectionStringReference reference => await ConvertAsync(reference.ConnectionStringExpression, owner, cancellationToken),
        IResourceWithConnectionString resource => await ConvertAsync(resource.ConnectionStringExpression, owner, cancellationToken),
        EndpointReference endpoint => KubernetesValue.FromText(KubernetesEndpoints.Url(Dial(endpoint, owner))),
        EndpointReferenceExpression property => KubernetesValue.FromText(KubernetesEndpoints.Property(Dial(property, owner))),
        ReferenceExpression expression => await ExpressionAsync(expression, owner, cancellationToken),
        _ => throw new InvalidOperationException(
            $"The kubernetes publisher cannot write a {value.GetType().Name} ({(value as IManifestExpressionProvider)?.ValueExpression ?? value}) as a Kubernetes value."),
    };

    private EndpointReference Dial(EndpointReference endpoint, IResource owner)
    {
        if (!ReferenceEquals(endpoint.Resource, owner))
        {
            _dialed.Add(endpoint.Resource);
        }

        return endpoint;
    }

    private EndpointReferenceExpression Dial(EndpointReferenceExpression property, IResource owner)
    {
        Dial(property.Endpoint, owner);
        return property;
    }

    private async ValueTask<KubernetesValue> ExpressionAsync(ReferenceExpression expression, IResource owner, CancellationToken cancellationToken)
    {
        if (expression.IsConditional)
        {
            // Decided by the published model (is the endpoint's TLS on?), so it is decided here.
            var condition = (await ConvertAsync(expression.Condition, owner, cancellationToken)).Text
                ?? throw new InvalidOperationException($"The condition of {expression.ValueExpression} depends on a secret.");
            var branch = string.Equals(condition, expression.MatchValue, StringComparison.OrdinalIgnoreCase) ? expression.WhenTrue : expression.WhenFalse;
            return await ConvertAsync(branch, owner, cancellationToken);
        }

        var parts = new List<KubernetesValue>();
        var literal = new StringBuilder();
        var format = expression.Format;
        for (var i = 0; i < format.Length; i++)
        {
            // A composite format: {0}, {1} for the value providers, {{ and }} for braces.
            if (format[i] is '{' or '}' && i + 1 < format.Length && format[i + 1] == format[i])
            {
                literal.Append(format[i++]);
                continue;
            }

            if (format[i] != '{')
            {
                literal.Append(format[i]);
                continue;
            }

            var end = format.IndexOf('}', i);
            var index = int.Parse(format.AsSpan(i + 1, end - i - 1), NumberStyles.None, CultureInfo.InvariantCulture);
            parts.Add(KubernetesValue.FromText(literal.ToString()));
            literal.Clear();
            parts.Add(await ProviderAsync(expression, index, owner, cancellationToken));
            i = end;
        }

        parts.Add(KubernetesValue.FromText(literal.ToString()));
        return KubernetesValue.Concat(parts);
    }

    private async ValueTask<KubernetesValue> ProviderAsync(ReferenceExpression expression, int index, IResource owner, CancellationToken cancellationToken)
    {
        var value = await ConvertAsync(expression.ValueProviders[index], owner, cancellationToken);
        return expression.StringFormats[index] switch
        {
            null or "" => value,
            "uri" when value.Text is { } text => KubernetesValue.FromText(Uri.EscapeDataString(text)),
            var other => throw new InvalidOperationException(
                $"{expression.ManifestExpressions[index]} is formatted as '{other}' in {expression.ValueExpression}, which a Kubernetes object cannot do{(value.Text is null ? " to a secret" : string.Empty)}."),
        };
    }
}
