using Herd.Gateway.Ledger;

namespace Herd.Gateway.Access.Keys;

/// <summary>A key just created, with the only copy of its secret there will ever be.</summary>
/// <param name="Secret">The whole key, <c>herd_&lt;key id&gt;_&lt;secret&gt;</c>, to hand to its holder once.</param>
public sealed record CreatedApiKey(ApiKeyRecord Key, string Secret)
{
    /// <summary>Leaves the secret out, so that logging the result cannot leak it.</summary>
    public override string ToString() => $"CreatedApiKey {{ Key = {Key.Id}, Secret = <shown once> }}";
}
