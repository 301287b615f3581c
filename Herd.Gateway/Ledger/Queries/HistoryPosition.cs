using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Herd.Gateway.Ledger.Queries;

/// <summary>
/// Where a page of history ended: the last request's receipt and id, which orders requests with
/// the same receipt. The next page starts after it, so pages neither skip nor repeat a request
/// while new ones are recorded. Clients hold it as an opaque page token.
/// </summary>
public readonly record struct HistoryPosition(DateTimeOffset ReceivedAt, string RequestId)
{
    /// <summary>Longer text is no token of ours and is not decoded at all.</summary>
    public const int MaxTokenLength = 256;

    private const string Version = "1";
    private const char Separator = ':';

    /// <summary>The page token a client passes back: base64url of the version, the receipt in UTC ticks and the request id.</summary>
    public string ToToken() =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
            string.Create(CultureInfo.InvariantCulture, $"{Version}{Separator}{ReceivedAt.UtcTicks}{Separator}{RequestId}")));

    /// <summary>Reads a page token. Any text is safe to pass: nothing throws, and false means it is not a token this gateway gave out.</summary>
    public static bool TryParseToken(string? token, [NotNullWhen(true)] out HistoryPosition? position)
    {
        position = null;
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength || !Base64Url.IsValid(token))
        {
            return false;
        }

        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(Base64Url.DecodeFromChars(token));
        }
        catch (ArgumentException)
        {
            return false;
        }

        var parts = text.Split(Separator, 3);
        if (parts is not [Version, var ticksText, var requestId]
            || !long.TryParse(ticksText, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTimeOffset.MaxValue.UtcTicks
            || requestId.Length is 0 or > UsageRecord.MaxRequestIdLength)
        {
            return false;
        }

        position = new HistoryPosition(new DateTimeOffset(ticks, TimeSpan.Zero), requestId);
        return true;
    }
}
