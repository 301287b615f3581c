using k8s;

namespace Herd.AppHost.Publishing;

/// <summary>
/// The Kubernetes objects of the published app model, by file: <c>secrets.yaml</c> (a Secret per
/// secret parameter), a file per project and container (<c>gateway.yaml</c>, <c>node.yaml</c>,
/// <c>redis.yaml</c>, <c>postgres.yaml</c>), the files their workloads add (<c>gateway-roles.yaml</c>,
/// <c>node-models.yaml</c>), and the <c>kustomization.yaml</c> that lists them all. Parameters,
/// connection strings and databases are no objects of their own: they are values the containers read.
/// </summary>
internal sealed class KubernetesFiles
{
    public const string SecretsFile = "secrets.yaml";

    public const string KustomizationFile = "kustomization.yaml";

    private readonly IReadOnlyList<KubernetesFile> _files;
    private readonly IReadOnlyList<string> _images;

    private KubernetesFiles(IReadOnlyList<KubernetesFile> files, IReadOnlyList<string> images)
    {
        _files = files;
        _images = images;
    }

    /// <summary>Every file written, the kustomization last.</summary>
    public IReadOnlyList<string> Names => [.. _files.Select(file => file.Name), KustomizationFile];

    public static async Task<KubernetesFiles> BuildAsync(DistributedApplicationModel model, DistributedApplicationExecutionContext execution, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        var workloads = model.Resources.Where(resource => !resource.IsExcludedFromPublish() && IsWorkload(resource)).ToList();
        var values = new KubernetesValues();
        var secrets = new KubernetesSecrets();

        // Every container's values first: they say which resources are dialed, and so need a Service.
        var settings = new Dictionary<IResource, KubernetesContainerSettings>();
        foreach (var resource in workloads)
        {
            settings[resource] = await KubernetesContainerSettings.GatherAsync(resource, execution, values, secrets, cancellationToken);
        }

        var files = new List<KubernetesFile>();
        var images = new List<string>();
        foreach (var resource in workloads)
        {
            if (resource is ProjectResource project)
            {
                var workload = await KubernetesProjects.WorkloadAsync(project, settings[project], cancellationToken);
                files.AddRange(KubernetesProjects.Files(project, workload, settings[project], values.IsDialed(project)));
                images.Add(workload.Image);
            }
            else
            {
                files.Add(KubernetesServers.File((ContainerResource)resource, settings[resource]));
            }
        }

        if (await secrets.ObjectsAsync(cancellationToken) is { Count: > 0 } secretObjects)
        {
            files.Insert(0, new KubernetesFile(SecretsFile, secretObjects));
        }

        return new KubernetesFiles(files, images);
    }

    /// <summary>Writes the files into <paramref name="folder"/>, which it creates when missing.</summary>
    /// <exception cref="IOException">The folder is a file, or a file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">This user may not write there.</exception>
    public async Task WriteAsync(string folder, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        foreach (var file in _files)
        {
            await File.WriteAllTextAsync(Path.Combine(folder, file.Name), KubernetesYaml.SerializeAll(file.Objects), cancellationToken);
        }

        var kustomization = new Kustomization
        {
            Resources = [.. _files.Select(file => file.Name)],
            Labels = [new KustomizationLabels(new Dictionary<string, string> { [KubernetesLabels.PartOf] = "herd" }, IncludeSelectors: false, IncludeTemplates: true)],
            Images = [.. _images.Distinct().Select(image => new KustomizationImage(image, image, KubernetesProjects.Tag))],
        };
        await File.WriteAllTextAsync(Path.Combine(folder, KustomizationFile), kustomization.ToYaml(), cancellationToken);
    }

    /// <summary>Whether the resource runs as pods; the values-only kinds are not, and any other kind cannot be published.</summary>
    private static bool IsWorkload(IResource resource) => resource switch
    {
        ProjectResource or ContainerResource => true,
        ParameterResource or IResourceWithConnectionString or IResourceWithParent => false,
        _ => throw new InvalidOperationException($"{resource.Name} is a {resource.GetType().Name}, which the kubernetes publisher cannot publish."),
    };
}
