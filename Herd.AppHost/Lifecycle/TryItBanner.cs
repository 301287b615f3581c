using System.Reflection;
using Herd.AppHost.Extensions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Herd.AppHost.Lifecycle;

/// <summary>
/// Once the gateway is healthy and has written the herd's admin key, prints where the Aspire
/// dashboard is (with its login token), the key, and a command line that streams a completion.
/// </summary>
internal sealed class TryItBanner(
    DistributedApplicationModel model,
    DistributedApplicationExecutionContext execution,
    ResourceNotificationService notifications,
    IConfiguration configuration,
    IHostEnvironment environment) : BackgroundService
{
    private static readonly TimeSpan KeyWait = TimeSpan.FromSeconds(60);

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
            await notifications.WaitForResourceHealthyAsync(gateway.Name, stoppingToken);
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

    /// <summary>The dashboard's address with the token that logs a browser in, as Aspire prints it.</summary>
    private string? DashboardLoginUrl()
    {
        if (configuration["ASPNETCORE_URLS"]?.Split(';', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() is not { } url)
        {
            return null;
        }

        return configuration["AppHost:BrowserToken"] is { Length: > 0 } token ? $"{url.TrimEnd('/')}/login?t={token}" : url;
    }

    /// <summary>Runs the already-built client when there is one, so the line answers in seconds.</summary>
    private string ClientCommand()
    {
        var root = Path.GetFullPath(Path.Combine(environment.ContentRootPath, ".."));
        var built = File.Exists(Path.Combine(root, "Herd.Cli", "bin", Configuration, "net10.0", "herd.dll"));
        return $"dotnet run -c {Configuration}{(built ? " --no-build" : string.Empty)} --project Herd.Cli --";
    }
}
