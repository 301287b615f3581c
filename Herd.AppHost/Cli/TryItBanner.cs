using Herd.AppHost.Hosting;

namespace Herd.AppHost.Cli;

/// <summary>What the app host prints once the herd is up: a key to try the API with, and a command that uses it.</summary>
internal static class TryItBanner
{
    private static readonly TimeSpan KeyWait = TimeSpan.FromSeconds(60);

    /// <summary>Waits for the gateway to write its first admin key, then prints it with a command line that streams a completion.</summary>
    public static async Task PrintAsync(HerdResource gateway, string keyFile, TextWriter output, CancellationToken cancellationToken)
    {
        try
        {
            await WaitAndPrintAsync(gateway, keyFile, output, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped before the key was written: nothing to try.
        }
    }

    private static async Task WaitAndPrintAsync(HerdResource gateway, string keyFile, TextWriter output, CancellationToken cancellationToken)
    {
        if (await BootstrapKeyFile.ReadAsync(keyFile, KeyWait, cancellationToken) is not { } key)
        {
            await output.WriteLineAsync($"The gateway wrote no API key to {keyFile} within {KeyWait.TotalSeconds:0} s; its log above says why.");
            return;
        }

        var grpc = gateway.Endpoints.Single(endpoint => endpoint.Name == "Grpc").Url;
        await output.WriteLineAsync($"""

            API key (admin, kept in {keyFile}):
              {key}
            Try it:
              dotnet run --project Herd.AppHost -- complete --gateway {grpc} --key {key} --prompt "Hello, herd"

            """);
    }
}
