using Herd.AppHost.Hosting;
using k8s;

namespace Herd.AppHost.Publishing;

/// <summary>
/// Writes the app model as Kubernetes objects (<c>--publisher kubernetes</c>), a folder ready for
/// <c>kubectl apply -k</c>: a file per resource (<c>gateway.yaml</c>, <c>node.yaml</c>,
/// <c>redis.yaml</c>, <c>postgres.yaml</c>), the Secrets, the gateway's roles, the model volume
/// claim when the nodes serve a model folder, and the <c>kustomization.yaml</c> that lists them.
/// Servers given by connection string are not published: the Secret holds their connection strings.
/// </summary>
public static class KubernetesPublisher
{
    public const string Name = "kubernetes";

    public const string SecretsFile = "secrets.yaml";

    public const string KustomizationFile = "kustomization.yaml";

    public static async Task WriteAsync(AppModel model, AppHostOptions options, string folder)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(folder);
        var files = await BuildAsync(model, options);
        foreach (var (file, objects) in files)
        {
            await File.WriteAllTextAsync(Path.Combine(folder, file), KubernetesYaml.SerializeAll(objects));
        }

        var kustomization = new Kustomization
        {
            Resources = files.Select(file => file.Key).ToList(),
            Labels = [new KustomizationLabels(new Dictionary<string, string> { [KubernetesLabels.PartOf] = "herd" }, IncludeSelectors: false, IncludeTemplates: true)],
            Images = Images(options).Select(image => new KustomizationImage(image, image, KubernetesProjects.Tag)).ToList(),
        };
        await File.WriteAllTextAsync(Path.Combine(folder, KustomizationFile), kustomization.ToYaml());
    }

    /// <summary>The objects of each file, by file name, in the order kustomization.yaml lists them.</summary>
    public static async Task<IReadOnlyList<KeyValuePair<string, IReadOnlyList<object>>>> BuildAsync(AppModel model, AppHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        var files = new List<KeyValuePair<string, IReadOnlyList<object>>>
        {
            new(SecretsFile, new KubernetesSecrets(model).All),
        };
        foreach (var resource in model.Resources)
        {
            switch (resource.Kind)
            {
                case ResourceKind.Redis:
                    files.Add(new(resource.Name + ".yaml", KubernetesServers.Redis(resource)));
                    break;
                case ResourceKind.Postgres:
                    files.Add(new(resource.Name + ".yaml", KubernetesServers.Postgres(resource)));
                    break;
                case ResourceKind.Project:
                    files.Add(new(resource.Name + ".yaml", KubernetesProjects.Of(resource, options)));
                    await AddProjectExtrasAsync(resource, files);
                    break;
                default:
                    // Parameters and connection strings live in the Secrets; a database lives on its server.
                    break;
            }
        }

        return files;
    }

    private static async Task AddProjectExtrasAsync(HerdResource project, List<KeyValuePair<string, IReadOnlyList<object>>> files)
    {
        if (KubernetesGateway.Is(project))
        {
            files.Add(new(project.Name + "-roles.yaml", [await KubernetesGateway.RolesAsync(project)]));
        }

        if (KubernetesNode.Is(project) && KubernetesNode.Claims(project) is { Count: > 0 } claims)
        {
            files.Add(new(project.Name + "-models.yaml", claims));
        }
    }

    /// <summary>The Herd images the objects run, for operators to retarget at their registry.</summary>
    private static IEnumerable<string> Images(AppHostOptions options) =>
        [KubernetesGateway.Image, options.Device == "cuda" ? KubernetesNode.CudaImage : KubernetesNode.Image];
}
