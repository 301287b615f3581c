using Herd.Gateway.Ledger.Queries;

namespace Herd.Gateway.Api.Http.Dashboard;

/// <summary>Usage in a chosen range, summed by key and by model.</summary>
public sealed record UsageView(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<UsageTotalRow> ByKey, IReadOnlyList<UsageTotalRow> ByModel);
