using Herd.Tests.Fixtures;

namespace Herd.Tests.AppHost;

/// <summary>The app host run to publish, as an operator runs it: a process of its own that writes its output and exits.</summary>
internal static class AppHostPublish
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>
    /// Runs the app host with <paramref name="arguments"/> and waits for it to exit. Aspire's
    /// deployment state (<c>~/.aspire</c>) is a folder of the run's own, so that no run reads what
    /// another left there, nor leaves anything in the home folder.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var aspireHome = Directory.CreateTempSubdirectory("herd-aspire-home-").FullName;
        try
        {
            var variables = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["ASPIRE_HOME"] = aspireHome };
            await using var appHost = HerdService.Start("Herd.AppHost", arguments, variables);
            var exitCode = await appHost.WaitForExitAsync(Timeout);
            return (exitCode, appHost.Output);
        }
        finally
        {
            Directory.Delete(aspireHome, recursive: true);
        }
    }
}
