using System.Globalization;
using System.Text.RegularExpressions;

namespace Herd.Tests.AppHost;

/// <summary>Reads the table of resources the app host prints once the herd is up.</summary>
internal static partial class AppHostOutput
{
    /// <summary>The rows of the resource table, by replica name.</summary>
    public static IReadOnlyDictionary<string, ResourceRow> Rows(string output) =>
        TableRow().Matches(output).Select(row => new ResourceRow(
                row.Groups["name"].Value,
                int.Parse(row.Groups["pid"].Value, CultureInfo.InvariantCulture),
                row.Groups["endpoints"].Value.Trim()))
            .GroupBy(row => row.Name)
            .ToDictionary(rows => rows.Key, rows => rows.Last());

    /// <summary>The number of rows of the first resource table printed.</summary>
    public static int RowCount(string output) => TableRow().Count(output);

    public static bool IsRunning(int processId) => Directory.Exists($"/proc/{processId}");

    [GeneratedRegex(@"^\s*(?<name>[a-z][a-z0-9-]*)\s+Running\s+(?<pid>\d+)\s+(?<endpoints>.+)$", RegexOptions.Multiline)]
    private static partial Regex TableRow();
}

/// <summary>One row of the app host's resource table.</summary>
internal sealed record ResourceRow(string Name, int ProcessId, string Endpoints)
{
    /// <summary>The URL of the endpoint of that name (<c>grpc</c>, <c>http</c>, <c>tcp</c>).</summary>
    public string Url(string endpoint) =>
        Regex.Match(Endpoints, $@"(?:^|\s){endpoint}=(\S+)").Groups[1] is { Success: true } url
            ? url.Value
            : throw new InvalidOperationException($"{Name} has no {endpoint} endpoint in '{Endpoints}'.");

    /// <summary>The port of the endpoint of that name.</summary>
    public int Port(string endpoint) => new Uri(Url(endpoint)).Port;
}
