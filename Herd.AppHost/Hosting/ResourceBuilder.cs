namespace Herd.AppHost.Hosting;

/// <summary>Fluent configuration of one resource, in the style of Aspire's <c>IResourceBuilder</c>.</summary>
public sealed class ResourceBuilder(ProjectResource resource)
{
    public ProjectResource Resource { get; } = resource;

    public ResourceBuilder WithEndpoint(string name, string protocols)
    {
        Resource.Endpoints.Add(new ResourceEndpoint(name, protocols));
        return this;
    }

    public ResourceBuilder WithEnvironment(string name, string value)
    {
        Resource.Environment[name] = value;
        return this;
    }

    /// <summary>An environment variable made when the process starts, such as another resource's endpoint URL.</summary>
    public ResourceBuilder WithEnvironment(string name, Func<string> value)
    {
        Resource.LateEnvironment[name] = value;
        return this;
    }

    public ResourceBuilder WithReference(ResourceBuilder other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Resource.References.Add(other.Resource);
        return this;
    }
}
