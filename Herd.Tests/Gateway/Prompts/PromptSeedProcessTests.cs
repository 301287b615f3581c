using System.Globalization;
using Herd.Tests.Fixtures;

namespace Herd.Tests.Gateway.Prompts;

/// <summary>The gateway process and its prompts file: an invalid file stops it, as an invalid roles file does.</summary>
[Collection(WithServers.Name)]
public sealed class PromptSeedProcessTests(ServersFixture servers)
{
    [Fact]
    public async Task Gateway_WithAnInvalidPromptsFile_RefusesToStart_NamingTheLine()
    {
        var folder = Directory.CreateTempSubdirectory("herd-bad-prompts-").FullName;
        try
        {
            var path = Path.Combine(folder, "prompts.yaml");
            await File.WriteAllTextAsync(path, "fine:\n  name: Fine\n  colour: blue\n  prompt: hi\n");
            var ledger = await servers.Postgres.CreateDatabaseAsync($"ledger_{Guid.NewGuid():N}");
            await using var gateway = HerdService.Start("Herd.Gateway",
            [
                string.Create(CultureInfo.InvariantCulture, $"--Kestrel:Endpoints:Grpc:Url=http://127.0.0.1:{FreePort.Next()}"),
                string.Create(CultureInfo.InvariantCulture, $"--Kestrel:Endpoints:Http:Url=http://127.0.0.1:{FreePort.Next()}"),
                $"--ConnectionStrings:redis={servers.Redis.ConnectionString}",
                $"--ConnectionStrings:ledger={ledger}",
                $"--Herd:Gateway:Prompts:SeedFile={path}",
            ]);

            var exitCode = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));

            Assert.NotEqual(0, exitCode);
            Assert.Contains($"The prompts file {path} cannot be used (1 error", gateway.Output, StringComparison.Ordinal);
            Assert.Contains($"{path}:3:3: prompt 'fine': unknown key 'colour'", gateway.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
