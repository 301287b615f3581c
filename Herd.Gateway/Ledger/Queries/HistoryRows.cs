namespace Herd.Gateway.Ledger.Queries;

/// <summary>One page of history, newest first.</summary>
/// <param name="Next">Where the next page starts; null when this is the last.</param>
public sealed record HistoryRows(IReadOnlyList<HistoryRow> Rows, HistoryPosition? Next);
