namespace Herd.Gateway.Api.Http.Explorer;

/// <summary>The HTTP door's OpenAPI document and API explorer, bound from the <c>Herd:Gateway:Explorer</c> section.</summary>
public sealed record ExplorerOptions
{
    public const string Section = "Herd:Gateway:Explorer";

    /// <summary>
    /// True (the default): the gateway serves the OpenAPI document and the explorer page to anyone
    /// who reaches its HTTP endpoint, without a key, as the documentation they are; the calls made
    /// from the page need a key as any other. False serves neither.
    /// </summary>
    public bool Enabled { get; init; } = true;
}
