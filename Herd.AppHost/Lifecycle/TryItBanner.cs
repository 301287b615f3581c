using System.Reflection;
using Herd.AppHost.Extensions;
using Microsoft.Extensions.Hosting;

namespace Herd.AppHost.Lifecycle;

/// <summary>
/// Once the gateways and nodes are healthy (nodes are once linked) and the herd's admin key is written, prints where the Aspire
/// dashboard is (with its login token), the gateway's addresses and its HTTP API explorer, the key, and a command line that
/// streams a completion.
/// </summary>
/// <param name="repositoryRoot">The working copy the herd was built from, where the command runs.</param>
internal sealed class TryItBanner(
    string repositoryRoot,
    DistributedApplicationModel model,
    DistributedApplicationExecutionContext execution,
    ResourceNotificationService notifications) : BackgroundService
{
    private static readonly TimeSpan KeyWait = TimeSpan.FromSeconds(60);

    // Aspire's own dashboard resource: its URL carries the token that logs a browser in.
    private const string DashboardResourceName = "aspire-dashboard";

    // The client is built beside the app host, in the same configuration.
    private static readonly string Configuration =
        typeof(TryItBanner).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    // Long enough for a node to make herd-tiny or load a small model; a big one may take longer,
    // and the banner then says the nodes are not linked yet rather than wait in silence.
    private static readonly TimeSpan NodesWait = TimeSpan.FromMinutes(3);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!execution.IsRunMode || model.Resources.OfType<ProjectResource>().FirstOrDefault(resource => resource.Name == "gateway") is not { } gateway)
        {
            return;
        }

        try
        {
            await notifications.WaitForResourceHealthyAsync(gateway.Name, stoppingToken);
            var nodesLinked = await NodesLinkedAsync(stoppingToken);
            var keyFile = gateway.TryGetLastAnnotation<AdminKeyFileAnnotation>(out var annotation) ? annotation.Path : null;
            var key = keyFile is null ? null : await BootstrapKeyFile.ReadAsync(keyFile, KeyWait, stoppingToken);
            await Console.Out.WriteLineAsync(Banner(gateway.GetEndpoint("grpc").Url, gateway.GetEndpoint("http").Url, nodesLinked, keyFile, key));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopped before the herd was up.
        }
    }

    /// <summary>Waits until every node is healthy, which a node is once its model is loaded and it is linked to a gateway.</summary>
    private async Task<bool> NodesLinkedAsync(CancellationToken stoppingToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        deadline.CancelAfter(NodesWait);
        try
        {
            foreach (var node in model.Resources.OfType<ProjectResource>().Where(project => project.Name != "gateway"))
            {
                await notifications.WaitForResourceHealthyAsync(node.Name, deadline.Token);
            }

            return true;
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private string Banner(string gatewayUrl, string httpUrl, bool nodesLinked, string? keyFile, string? key)
    {
        var lines = new List<string>
        {
            string.Empty,
            nodesLinked ? "Herd is up. Press Ctrl-C to stop it." : $"The gateway is up; the nodes are not linked after {NodesWait.TotalMinutes:0} minutes (their logs in the dashboard say why). Press Ctrl-C to stop.",
        };
        if (DashboardLoginUrl() is { } dashboard)
        {
            lines.Add($"Aspire dashboard (logs, traces, metrics, commands): {dashboard}");
        }

        lines.Add($"Gateway (gRPC): {gatewayUrl}");
        lines.Add($"Gateway (HTTP, OpenAI-compatible): {httpUrl}/v1");
        lines.Add($"HTTP API explorer (paste the key under Authentication): {httpUrl}/explorer");
        if (key is null)
        {
            lines.Add(keyFile is null
                ? "Access control uses keys from the ledger you gave; create one with: dotnet Herd.Gateway.dll create-key --role admin --name you"
                : $"The gateway wrote no API key to {keyFile} within {KeyWait.TotalSeconds:0} s; its log in the dashboard says why.");
            return string.Join(Environment.NewLine, lines);
        }

        lines.Add($"API key (admin, kept in {keyFile}):");
        lines.Add($"  {key}");
        lines.Add("Try it:");
        lines.Add($"  {ClientCommand()} complete --gateway {gatewayUrl} --key {key} --prompt \"Hello, herd\"");
        lines.Add(string.Empty);
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>The dashboard's address with the token that logs a browser in, as its resource reports it.</summary>
    private string? DashboardLoginUrl() =>
        notifications.TryGetCurrentState(DashboardResourceName, out var dashboard)
            ? dashboard.Snapshot.Urls.FirstOrDefault(url => url.Name is "http" or "https")?.Url
            : null;

    /// <summary>Runs the already-built client when there is one, so the line answers in seconds.</summary>
    private string ClientCommand()
    {
        var built = File.Exists(Path.Combine(repositoryRoot, "Herd.Cli", "bin", Configuration, "net10.0", "herd.dll"));
        return $"dotnet run -c {Configuration}{(built ? " --no-build" : string.Empty)} --project Herd.Cli --";
    }
}
