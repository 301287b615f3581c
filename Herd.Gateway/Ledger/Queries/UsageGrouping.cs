namespace Herd.Gateway.Ledger.Queries;

/// <summary>What usage totals are summed by.</summary>
public enum UsageGrouping
{
    Key,
    Model,
    Node,

    /// <summary>The UTC day the request was received.</summary>
    Day,

    /// <summary>The prompt and version called, as <c>id@version</c>; empty for requests of their own text.</summary>
    Prompt,
}
