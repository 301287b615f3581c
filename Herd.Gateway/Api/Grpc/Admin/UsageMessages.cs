using System.Globalization;
using Herd.Contracts.V1;
using Herd.Gateway.Admission.Fees;
using Herd.Gateway.Ledger.Queries;

namespace Herd.Gateway.Api.Grpc.Admin;

/// <summary>Turns usage totals read from the ledger into the messages of <c>herd/v1/usage.proto</c>.</summary>
public static class UsageMessages
{
    public static UsageTotal Total(UsageTotalRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new UsageTotal
        {
            Group = row.Group,
            Requests = row.Requests,
            PromptTokens = row.PromptTokens,
            CompletionTokens = row.CompletionTokens,
            Fee = FeeText.Format(row.Fee),
        };
    }
}
