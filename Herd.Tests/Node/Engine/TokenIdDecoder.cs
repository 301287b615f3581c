using Herd.Node.Engine;

namespace Herd.Tests.Node.Engine;

/// <summary>Decodes token id n as the text " n", so tests can read generated ids back from text.</summary>
internal sealed class TokenIdDecoder : ITextDecoder
{
    public string Add(int tokenId) => " " + tokenId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public string Flush() => "";
}
