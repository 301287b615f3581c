using System.Globalization;
using Herd.Contracts.V1;

namespace Herd.Gateway.Adapters;

/// <summary>The adapters a generation ran with, as the usage ledger keeps them: short enough to read in a query's output.</summary>
public static class UsedAdapters
{
    /// <summary>
    /// Each adapter as its expert's name (for <c>base:auto</c>) or its own, <c>@</c> its weight to
    /// four places, nearest first: <c>code@0.7312,qa@0.2688</c>; null when none ran (the base model alone).
    /// </summary>
    public static string? Describe(IReadOnlyCollection<AdapterUsed> adapters)
    {
        ArgumentNullException.ThrowIfNull(adapters);
        return adapters.Count == 0
            ? null
            : string.Join(',', adapters.Select(adapter =>
                (adapter.Expert.Length > 0 ? adapter.Expert : adapter.Adapter) + "@" + adapter.Weight.ToString("0.####", CultureInfo.InvariantCulture)));
    }
}
