using Herd.Gateway.Ledger.Queries;
using Microsoft.AspNetCore.Components;

namespace Herd.Gateway.WebApp.Components;

/// <summary>Usage totals, one row per key or model.</summary>
public sealed partial class UsageGrid
{
    [Parameter]
    [EditorRequired]
    public string Id { get; set; } = "";

    [Parameter]
    [EditorRequired]
    public IReadOnlyList<UsageTotalRow> Rows { get; set; } = [];

    /// <summary>What the rows are grouped by, as the first column's title.</summary>
    [Parameter]
    [EditorRequired]
    public string GroupTitle { get; set; } = "";
}
