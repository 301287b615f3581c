namespace Herd.AppHost.Hosting;

/// <summary>The resources of the herd in the order they start; they stop in reverse.</summary>
/// <param name="stateFolder">where the herd keeps what it makes for itself: server data, the admin key</param>
public sealed class AppModel(string stateFolder)
{
    /// <summary>The folder the herd keeps its data in: <c>.herd/</c> of the working copy unless configured.</summary>
    public string StateFolder { get; } = stateFolder;

    public List<HerdResource> Resources { get; } = [];

    /// <summary>
    /// Where every project sends its telemetry (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>), such as the
    /// standalone Aspire dashboard's OTLP port; null exports nothing.
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>A path in <see cref="StateFolder"/>.</summary>
    public string StatePath(string name) => Path.Combine(StateFolder, name);

    /// <summary>Adds a resource, whose name must be new.</summary>
    public ResourceBuilder Add(HerdResource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (Resources.Any(existing => existing.Name == resource.Name))
        {
            throw new ArgumentException($"The app model already has a resource named {resource.Name}.", nameof(resource));
        }

        Resources.Add(resource);
        return new ResourceBuilder(resource, this);
    }
}
