using Herd.AppHost.Lifecycle;
using Herd.Tests.Fixtures;

namespace Herd.Tests.AppHost;

/// <summary>
/// A state folder of its own for a test's app host (its Redis and PostgreSQL data, its admin key)
/// and a model cache, both deleted at the end, so tests neither share data nor touch the working
/// copy's <c>.herd</c>.
/// </summary>
internal sealed class AppHostState : IDisposable
{
    // Not a private temporary folder (mode 0700): PostgreSQL runs as its own user and must reach its data inside.
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), $"herd-apphost-{Guid.NewGuid():N}");

    public string ModelCache { get; } = Directory.CreateTempSubdirectory("herd-models-").FullName;

    /// <summary>
    /// Starts the app host as a process, as a user would, on this state folder (in a session of its
    /// own, as from a terminal, when <paramref name="ownSession"/>), with the Aspire dashboard on
    /// free loopback ports and the resources' ports chosen by DCP.
    /// </summary>
    public ChildProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, bool ownSession = false)
    {
        var variables = new Dictionary<string, string>(environment ?? new Dictionary<string, string>())
        {
            // The resources inherit the app host's environment: the node generates herd-tiny here.
            ["HERD_MODEL_CACHE"] = ModelCache,
            // What the launch profile gives `dotnet run`: the dashboard and its OTLP endpoint.
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true",
            ["DcpPublisher__RandomizePorts"] = "true",
        };
        return HerdService.Start("Herd.AppHost", ["--state-folder", Folder, .. arguments], variables, ownSession);
    }

    /// <summary>The admin key the gateway writes on the herd's first start.</summary>
    public async Task<string> AdminKeyAsync(TimeSpan timeout)
    {
        var path = Path.Combine(Folder, "admin.key");
        return await BootstrapKeyFile.ReadAsync(path, timeout) ?? throw new TimeoutException($"The gateway wrote no admin key to {path} within {timeout}.");
    }

    public void Dispose()
    {
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }

        Directory.Delete(ModelCache, recursive: true);
    }
}
