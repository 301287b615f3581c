using System.Diagnostics;
using System.Text.Json;
using Herd.Tests.Fixtures;

namespace Herd.Tests.Mesh;

/// <summary>Runs <c>Clients/node/complete.js</c>, a client of the gateway written with @grpc/grpc-js.</summary>
internal static class NodeJsClient
{
    public static async Task<JsonElement> CompleteAsync(int port, string model, string prompt, int maxTokens)
    {
        var script = Path.Combine(HerdService.RepositoryRoot(), "Herd.Tests", "Clients", "node", "complete.js");
        if (!Directory.Exists(Path.Combine(Path.GetDirectoryName(script)!, "node_modules")))
        {
            throw new InvalidOperationException("The Node.js test client's packages are not installed: run ./test.sh, or npm ci --prefix Herd.Tests/Clients/node.");
        }

        var startInfo = new ProcessStartInfo("node")
        {
            ArgumentList = { script, $"127.0.0.1:{port}", model, prompt, maxTokens.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(startInfo)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"node exited with {process.ExitCode}: {await errors}");
        return JsonDocument.Parse(await output).RootElement.Clone();
    }
}
