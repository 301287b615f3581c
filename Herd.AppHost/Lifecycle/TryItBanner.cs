using System.Reflection;
using Herd.AppHost.Extensions;
using Microsoft.Extensions.Hosting;

namespace Herd.AppHost.Lifecycle;

/// <summary>
/// Once the gateways and nodes are healthy (nodes are once linked) and the herd's admin key is written, prints where the Aspire
/// dashboard is (with its login token), the key, and a command line that streams a completion.
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

    /// <summary>Where the banner goes; standard output unless a test says otherwise.</summary>
    public TextWriter Output { get; init; } = Console.Out;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!execution.IsRunMode || model.Resources.OfType<ProjectResource>().FirstOrDefault(resource => resource.Name == "gateway") is not { } gateway)
        {
            return;
        }

        try
        {
            foreach (var project in model.Resources.OfType<ProjectResource>())
            {
                await notifications.WaitForResourceHealthyAsync(project.Name, stoppingToken);
            }

            var keyFile = gateway.TryGetLastAnnotation<AdminKeyFileAnnotation>(out var annotation) ? annotation.Path : null;
            var key = keyFile is null ? null : await BootstrapKeyFile.ReadAsync(keyFile, KeyWait, stoppingToken);
            await Output.WriteLineAsync(Banner(gateway.GetEndpoint("grpc").Url, keyFile, key));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopped before the herd was up.
        }
    }

    private string Banner(string gatewayUrl, string? keyFile, string? key)
    {
        var lines = new List<string> { string.Empty, "Herd is up. Press Ctrl-C to stop it." };
        if (DashboardLoginUrl() is { } dashboard)
        {
            lines.Add($"Aspire dashboard (logs, traces, metrics, commands): {dashboard}");
        }

        lines.Add($"Gateway (gRPC): {gatewayUrl}");
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
