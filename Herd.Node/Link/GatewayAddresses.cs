using System.Globalization;

namespace Herd.Node.Link;

/// <summary>Where the node's gateways listen: <c>Herd:Node:Gateways</c>, else service discovery's entries.</summary>
public static class GatewayAddresses
{
    /// <summary>Service discovery's configuration for the gateway's gRPC endpoint (Aspire's convention).</summary>
    public const string DiscoverySection = "services:gateway:grpc";

    public static IReadOnlyList<string> Resolve(NodeOptions options, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configuration);
        var configured = options.Gateways.Where(address => !string.IsNullOrWhiteSpace(address)).ToList();
        if (configured.Count > 0)
        {
            return configured;
        }

        // services__gateway__grpc__0, __1, ... in the order they are numbered.
        return [.. configuration.GetSection(DiscoverySection).GetChildren()
            .Where(entry => !string.IsNullOrWhiteSpace(entry.Value))
            .OrderBy(entry => int.TryParse(entry.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : int.MaxValue)
            .Select(entry => entry.Value!)];
    }

    /// <summary>A usable <c>http://</c> or <c>https://</c> address, or an exception naming the setting.</summary>
    public static Uri Parse(string address)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new InvalidOperationException(
                $"Gateway address '{address}' is not an http:// or https:// URL. Set Herd:Node:Gateways (or services:gateway:grpc:0) to the gateway's gRPC endpoint, for example http://127.0.0.1:5200.");
        }

        return uri;
    }
}
