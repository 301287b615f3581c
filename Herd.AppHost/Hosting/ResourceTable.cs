using System.Globalization;
using System.Text;

namespace Herd.AppHost.Hosting;

/// <summary>The running resources as a table for people: name, state, process id, endpoints.</summary>
internal sealed class ResourceTable(IReadOnlyList<ProjectProcess> running)
{
    public override string ToString()
    {
        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"{"NAME",-10}{"STATE",-10}{"PID",-9}ENDPOINTS");
        foreach (var process in running)
        {
            var state = process.HasExited ? "Exited" : "Running";
            var endpoints = string.Join("  ", process.Resource.Endpoints.Select(endpoint => $"{endpoint.Key}={endpoint.UrlOf(process.Replica)}"));
            table.AppendLine(CultureInfo.InvariantCulture, $"{process.Name,-10}{state,-10}{process.Id,-9}{endpoints}");
        }

        return table.ToString();
    }
}
