namespace Herd.AppHost.Extensions;

/// <summary>Where a published gateway or node listens: on the ports its container image sets.</summary>
public static class ImagePortsExtensions
{
    /// <summary>The port of each Kestrel endpoint in the images (Herd.Gateway/Dockerfile, Herd.Node/Dockerfile).</summary>
    public static readonly IReadOnlyDictionary<string, int> Ports = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase)
    {
        ["grpc"] = 8080,
        ["http"] = 8081,
    };

    /// <summary>
    /// Published, the project's endpoints listen on the ports of its image (gRPC on 8080, HTTP on
    /// 8081) rather than the development ports of its appsettings.json, and serve plain HTTP only:
    /// Aspire adds an <c>https</c> endpoint to a published project that names none, but Herd's
    /// services have no certificate; TLS ends in front of the cluster's Services.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithImagePorts(this IResourceBuilder<ProjectResource> project)
    {
        ArgumentNullException.ThrowIfNull(project);
        if (!project.ApplicationBuilder.ExecutionContext.IsPublishMode)
        {
            return project;
        }

        foreach (var endpoint in project.Resource.Annotations.OfType<EndpointAnnotation>().ToList())
        {
            if (Ports.TryGetValue(endpoint.Name, out var port))
            {
                endpoint.TargetPort = port;
            }
            else if (endpoint.UriScheme == "https")
            {
                project.Resource.Annotations.Remove(endpoint);
            }
        }

        return project;
    }
}
