using System.Globalization;

namespace Herd.AppHost.Publishing;

/// <summary>
/// An endpoint of the app model once deployed: reached through the Service named like its
/// resource (<c>gateway</c>, <c>redis</c>), on the port its container listens on.
/// </summary>
internal static class KubernetesEndpoints
{
    /// <summary>The port of the container, and of the Service in front of it.</summary>
    /// <exception cref="InvalidOperationException">The endpoint names no port.</exception>
    public static int Port(EndpointAnnotation endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.TargetPort ?? endpoint.Port
            ?? throw new InvalidOperationException($"The endpoint '{endpoint.Name}' has no port to publish: give it a target port.");
    }

    /// <summary>The port's name in a container and a Service: Kubernetes wants lowercase (<c>Grpc</c> is <c>grpc</c>).</summary>
    public static string PortName(EndpointAnnotation endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.Name.ToLowerInvariant();
    }

    /// <summary>The endpoint's URL through its Service (<c>http://gateway:8080</c>).</summary>
    public static string Url(EndpointReference endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return $"{endpoint.EndpointAnnotation.UriScheme}://{HostAndPort(endpoint)}";
    }

    /// <summary>One property of the endpoint (<c>{redis.bindings.tcp.host}</c> is <c>redis</c>).</summary>
    public static string Property(EndpointReferenceExpression expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var endpoint = expression.Endpoint;
        return expression.Property switch
        {
            EndpointProperty.Url => Url(endpoint),
            EndpointProperty.Host or EndpointProperty.IPV4Host => endpoint.Resource.Name,
            EndpointProperty.Port or EndpointProperty.TargetPort => Port(endpoint.EndpointAnnotation).ToString(CultureInfo.InvariantCulture),
            EndpointProperty.HostAndPort => HostAndPort(endpoint),
            EndpointProperty.Scheme => endpoint.EndpointAnnotation.UriScheme,
            EndpointProperty.TlsEnabled => endpoint.EndpointAnnotation.TlsEnabled.ToString(),
            _ => throw new InvalidOperationException($"The kubernetes publisher does not know the endpoint property {expression.Property} ({expression.ValueExpression})."),
        };
    }

    private static string HostAndPort(EndpointReference endpoint) =>
        string.Create(CultureInfo.InvariantCulture, $"{endpoint.Resource.Name}:{Port(endpoint.EndpointAnnotation)}");
}
