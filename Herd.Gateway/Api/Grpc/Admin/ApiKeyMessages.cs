using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Herd.Contracts.V1;
using Herd.Gateway.Ledger;

namespace Herd.Gateway.Api.Grpc.Admin;

/// <summary>Turns keys read from the ledger into <c>herd.v1.ApiKey</c>, which has no field for a secret or its hash.</summary>
public static class ApiKeyMessages
{
    public static ApiKey Key(ApiKeyRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var key = new ApiKey
        {
            KeyId = record.Id,
            Name = record.Name,
            Role = record.Role,
            CreatedAt = Timestamp.FromDateTimeOffset(record.CreatedAt),
            ExpiresAt = record.ExpiresAt is { } expiresAt ? Timestamp.FromDateTimeOffset(expiresAt) : null,
            RevokedAt = record.RevokedAt is { } revokedAt ? Timestamp.FromDateTimeOffset(revokedAt) : null,
            HistoryOptOut = record.HistoryOptOut,
            CreatedBy = record.CreatedBy ?? "",
        };
        if (record.Budget is { } budget)
        {
            key.Budget = budget.ToString(CultureInfo.InvariantCulture);
        }

        return key;
    }
}
