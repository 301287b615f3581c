namespace Herd.Gateway.Ledger.Queries;

/// <summary>What usage totals are summed by.</summary>
public enum UsageGrouping
{
    Key,
    Model,
    Node,

    /// <summary>The UTC day the request was received.</summary>
    Day,
}
