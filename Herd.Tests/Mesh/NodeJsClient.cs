using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Herd.Tests.Fixtures;

namespace Herd.Tests.Mesh;

/// <summary>Runs the Node.js clients in <c>Clients/node</c>: <c>complete.js</c> (@grpc/grpc-js) and <c>openai.js</c> (the openai package).</summary>
internal static class NodeJsClient
{
    public static Task<JsonElement> CompleteAsync(int port, string model, string prompt, int maxTokens) =>
        RunAsync("complete.js", $"127.0.0.1:{port}", model, prompt, maxTokens.ToString(CultureInfo.InvariantCulture));

    /// <param name="baseUrl">The HTTP API's base URL, ending in <c>/v1</c>.</param>
    public static Task<JsonElement> OpenAiAsync(string baseUrl, string key, string model, string prompt, int maxTokens, string stop) =>
        RunAsync("openai.js", baseUrl, key, model, prompt, maxTokens.ToString(CultureInfo.InvariantCulture), stop);

    /// <summary>Runs a script and reads the one JSON object it prints.</summary>
    private static async Task<JsonElement> RunAsync(string scriptName, params string[] arguments)
    {
        var script = Path.Combine(HerdService.RepositoryRoot(), "Herd.Tests", "Clients", "node", scriptName);
        if (!Directory.Exists(Path.Combine(Path.GetDirectoryName(script)!, "node_modules")))
        {
            throw new InvalidOperationException("The Node.js test client's packages are not installed: run ./test.sh, or npm ci --prefix Herd.Tests/Clients/node.");
        }

        var startInfo = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"node exited with {process.ExitCode}: {await errors}");
        return JsonDocument.Parse(await output).RootElement.Clone();
    }
}
