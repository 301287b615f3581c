using Herd.Tests.Fixtures;
using k8s;
using k8s.Models;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Herd.Tests.AppHost;

/// <summary>
/// <c>--publisher kubernetes</c> run as an operator runs it, with every file read back as typed
/// Kubernetes objects: what kubectl would apply, not what the publisher meant to write.
/// </summary>
public sealed class KubernetesPublisherTests : IDisposable
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(60);

    private readonly string _output = Directory.CreateTempSubdirectory("herd-k8s-").FullName;
    private readonly string _model = Directory.CreateTempSubdirectory("herd-k8s-model-").FullName;

    [Fact]
    public async Task Publish_DefaultHerd_WritesEveryResourceOfTheModel()
    {
        var published = await PublishAsync(["--nodes", "3", "--gateways", "2"]);

        Assert.Equal(2, published.Single<V1Deployment>("gateway").Spec.Replicas);
        Assert.Equal(3, published.Single<V1Deployment>("node").Spec.Replicas);
        Assert.Equal(["gateway", "postgres", "redis"], published.All<V1Service>().Select(service => service.Name()).Order());
        Assert.Equal(["postgres", "redis"], published.All<V1StatefulSet>().Select(server => server.Name()).Order());
        Assert.Equal(["herd-connection-strings", "herd-node-secret", "postgres-password"], published.All<V1Secret>().Select(secret => secret.Name()).Order());
        Assert.Equal("1", published.Single<V1PodDisruptionBudget>("gateway").Spec.MinAvailable?.Value);
        Assert.Equal("1", published.Single<V1PodDisruptionBudget>("node").Spec.MaxUnavailable?.Value);
        Assert.Equal(
            await File.ReadAllTextAsync(Path.Combine(HerdService.RepositoryRoot(), "Herd.Gateway", "roles.yaml")),
            published.Single<V1ConfigMap>("herd-roles").Data["roles.yaml"]);
        Assert.Empty(published.All<V1PersistentVolumeClaim>());
    }

    [Fact]
    public async Task Publish_Projects_ListenProbeAndLinkOnTheirPorts()
    {
        var published = await PublishAsync([]);
        var gateway = published.Single<V1Deployment>("gateway").Spec.Template.Spec;
        var node = published.Single<V1Deployment>("node").Spec.Template.Spec;
        var service = published.Single<V1Service>("gateway").Spec.Ports.ToDictionary(port => port.Name);

        foreach (var pod in new[] { gateway, node })
        {
            var container = pod.Containers.Single();
            Assert.Equal(("/health", "8081"), (container.ReadinessProbe.HttpGet.Path, container.ReadinessProbe.HttpGet.Port.Value));
            Assert.Equal(("/alive", "8081"), (container.LivenessProbe.HttpGet.Path, container.LivenessProbe.HttpGet.Port.Value));
            Assert.Equal("http://+:8081", Variable(container, "Kestrel__Endpoints__Http__Url").Value);
        }

        Assert.Equal("herd/gateway:latest", gateway.Containers.Single().Image);
        Assert.Equal([8080, 8081], gateway.Containers.Single().Ports.Select(port => port.ContainerPort));
        Assert.Equal("http://+:8080", Variable(gateway.Containers.Single(), "Kestrel__Endpoints__Grpc__Url").Value);
        Assert.Equal("Http2", Variable(gateway.Containers.Single(), "Kestrel__Endpoints__Grpc__Protocols").Value);
        Assert.Equal((8080, "kubernetes.io/h2c"), (service["grpc"].Port, service["grpc"].AppProtocol));
        Assert.Equal(8081, service["http"].Port);
        Assert.Equal("/etc/herd/roles.yaml", Variable(gateway.Containers.Single(), "Herd__Gateway__Access__RolesFile").Value);
        Assert.Equal("herd-roles", gateway.Volumes.Single(volume => volume.Name == gateway.Containers.Single().VolumeMounts.Single(mount => mount.MountPath == "/etc/herd").Name).ConfigMap.Name);
        Assert.Equal("herd/node:latest", node.Containers.Single().Image);
        Assert.Equal("http://gateway:8080", Variable(node.Containers.Single(), "services__gateway__grpc__0").Value);
        Assert.Equal((30L, 60L), (gateway.TerminationGracePeriodSeconds, node.TerminationGracePeriodSeconds));
        Assert.DoesNotContain(node.Containers.Single().Env, variable => variable.Name == "Herd__Node__NodeId");
        Assert.DoesNotContain(gateway.Containers.Single().Env, variable => variable.Name == "Herd__Gateway__Access__BootstrapKeyFile");
    }

    [Fact]
    public async Task Publish_Selectors_MatchThePodsTheyOwn()
    {
        var published = await PublishAsync([]);

        foreach (var deployment in published.All<V1Deployment>())
        {
            Assert.True(Matches(deployment.Spec.Selector.MatchLabels, deployment.Spec.Template.Metadata.Labels), deployment.Name());
        }

        foreach (var server in published.All<V1StatefulSet>())
        {
            Assert.True(Matches(server.Spec.Selector.MatchLabels, server.Spec.Template.Metadata.Labels), server.Name());
        }

        foreach (var service in published.All<V1Service>())
        {
            var pods = published.All<V1Deployment>().Select(deployment => deployment.Spec.Template)
                .Concat(published.All<V1StatefulSet>().Select(server => server.Spec.Template));
            Assert.Single(pods, pod => Matches(service.Spec.Selector, pod.Metadata.Labels));
        }
    }

    [Fact]
    public async Task Publish_SecretKeyReferences_NameKeysOfThePublishedSecrets()
    {
        var published = await PublishAsync([]);
        var keys = published.All<V1Secret>().SelectMany(secret => secret.StringData.Keys.Select(key => (secret.Name(), key))).ToHashSet();
        var references = published.All<V1Deployment>().Select(deployment => deployment.Spec.Template.Spec)
            .Concat(published.All<V1StatefulSet>().Select(server => server.Spec.Template.Spec))
            .SelectMany(pod => pod.Containers).SelectMany(container => container.Env ?? [])
            .Where(variable => variable.ValueFrom?.SecretKeyRef is not null)
            .ToList();
        var secrets = published.All<V1Secret>().ToDictionary(secret => secret.Name(), secret => secret.StringData);

        Assert.Equal(
            ["ConnectionStrings__ledger", "ConnectionStrings__redis", "HERD_NODE_SECRET", "HERD_NODE_SECRET", "POSTGRES_PASSWORD"],
            references.Select(variable => variable.Name).Order());
        Assert.All(references, variable => Assert.Contains((variable.ValueFrom.SecretKeyRef.Name, variable.ValueFrom.SecretKeyRef.Key), keys));
        Assert.Equal(64, secrets["herd-node-secret"]["HERD_NODE_SECRET"].Length);
        Assert.Equal("redis:6379", secrets["herd-connection-strings"]["redis"]);
        Assert.Equal(
            $"Host=postgres;Port=5432;Username=postgres;Password={secrets["postgres-password"]["POSTGRES_PASSWORD"]};Database=herd",
            secrets["herd-connection-strings"]["ledger"]);
    }

    [Fact]
    public async Task Publish_EveryFile_IsListedInTheKustomization_WithTheImagesAndTheHerdLabel()
    {
        await PublishAsync(["--device", "cuda", "--model", _model]);
        var kustomization = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).IgnoreUnmatchedProperties().Build()
            .Deserialize<KustomizationFile>(await File.ReadAllTextAsync(Path.Combine(_output, "kustomization.yaml")));

        Assert.Equal(("kustomize.config.k8s.io/v1beta1", "Kustomization"), (kustomization.ApiVersion, kustomization.Kind));
        Assert.Equal(
            Directory.GetFiles(_output).Select(Path.GetFileName).Where(file => file != "kustomization.yaml").Order(),
            kustomization.Resources.Order());
        Assert.Equal(["herd/gateway", "herd/node-cuda"], kustomization.Images.Select(image => image.Name).Order());
        Assert.Equal("herd", kustomization.Labels.Single().Pairs["app.kubernetes.io/part-of"]);
    }

    [Fact]
    public async Task Publish_Cuda_LimitsEachNodeToAGpu_AndMountsTheModelClaimReadOnly()
    {
        var published = await PublishAsync(["--device", "cuda", "--model", _model]);
        var node = published.Single<V1Deployment>("node").Spec.Template.Spec;
        var container = node.Containers.Single();
        var mount = container.VolumeMounts.Single();
        var claim = published.Single<V1PersistentVolumeClaim>("node-models");

        Assert.Equal("herd/node-cuda:latest", container.Image);
        Assert.Equal("1", container.Resources.Limits["nvidia.com/gpu"].ToString());
        Assert.False(published.Single<V1Deployment>("gateway").Spec.Template.Spec.Containers.Single().Resources.Limits.ContainsKey("nvidia.com/gpu"));
        Assert.Equal("/models", Variable(container, "Herd__Node__Model").Value);
        Assert.Equal("cuda", Variable(container, "Herd__Node__Device").Value);
        Assert.Equal(("/models", true), (mount.MountPath, mount.ReadOnlyProperty));
        Assert.Equal("node-models", node.Volumes.Single(volume => volume.Name == mount.Name).PersistentVolumeClaim.ClaimName);
        Assert.Equal(["ReadOnlyMany"], claim.Spec.AccessModes);
        Assert.Equal("50Gi", claim.Spec.Resources.Requests["storage"].ToString());
    }

    [Fact]
    public async Task Publish_Cpu_RequestsNoGpu_AndServesTheBuiltInModelWithoutAClaim()
    {
        var published = await PublishAsync(["--device", "cpu", "--capacity", "8"]);
        var container = published.Single<V1Deployment>("node").Spec.Template.Spec.Containers.Single();

        Assert.Equal("herd/node:latest", container.Image);
        Assert.Null(container.Resources.Limits);
        Assert.Equal("1", container.Resources.Requests["cpu"].ToString());
        Assert.Equal("herd-tiny", Variable(container, "Herd__Node__Model").Value);
        Assert.Equal("8", Variable(container, "Herd__Node__Engine__MaxSequences").Value);
        Assert.Null(container.VolumeMounts);
        Assert.Empty(published.All<V1PersistentVolumeClaim>());
    }

    [Fact]
    public async Task Publish_ExistingServersAndNodeSecret_PublishNoServers_AndKeepTheConfiguredValues()
    {
        var published = await PublishAsync([], new Dictionary<string, string>
        {
            ["ConnectionStrings__redis"] = "redis.example.com:6380,ssl=true",
            ["ConnectionStrings__ledger"] = "Host=db.example.com;Username=herd;Password=configured;Database=herd",
            ["HERD_NODE_SECRET"] = "the-operators-node-secret",
        });
        var secrets = published.All<V1Secret>().ToDictionary(secret => secret.Name(), secret => secret.StringData);

        Assert.Empty(published.All<V1StatefulSet>());
        Assert.Equal(["gateway"], published.All<V1Service>().Select(service => service.Name()));
        Assert.Equal(["herd-connection-strings", "herd-node-secret"], secrets.Keys.Order());
        Assert.Equal("redis.example.com:6380,ssl=true", secrets["herd-connection-strings"]["redis"]);
        Assert.Equal("Host=db.example.com;Username=herd;Password=configured;Database=herd", secrets["herd-connection-strings"]["ledger"]);
        Assert.Equal("the-operators-node-secret", secrets["herd-node-secret"]["HERD_NODE_SECRET"]);
    }

    [Fact]
    public async Task Publish_ConfiguredParameters_GiveTheSameSecretsOnEveryPublish()
    {
        var configured = new Dictionary<string, string>
        {
            ["Parameters__node-secret"] = "kept-node-secret",
            ["Parameters__postgres-password"] = "kept-postgres-password",
        };

        var secrets = (await PublishAsync([], configured)).All<V1Secret>().ToDictionary(secret => secret.Name(), secret => secret.StringData);

        Assert.Equal("kept-node-secret", secrets["herd-node-secret"]["HERD_NODE_SECRET"]);
        Assert.Equal("kept-postgres-password", secrets["postgres-password"]["POSTGRES_PASSWORD"]);
        Assert.Contains(";Password=kept-postgres-password;", secrets["herd-connection-strings"]["ledger"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_Files_HoldNoPathOfThisMachine()
    {
        await PublishAsync(["--device", "cuda", "--model", _model, "--otlp-endpoint", "http://otel-collector:4317"]);
        var texts = Directory.GetFiles(_output).ToDictionary(file => Path.GetFileName(file), File.ReadAllText);

        Assert.All(texts, file =>
        {
            Assert.DoesNotContain(_model, file.Value, StringComparison.Ordinal);
            Assert.DoesNotContain(HerdService.RepositoryRoot(), file.Value, StringComparison.Ordinal);
            Assert.DoesNotContain("/tmp", file.Value, StringComparison.Ordinal);
            Assert.DoesNotContain(".herd", file.Value, StringComparison.Ordinal);
        });
        Assert.Contains("http://otel-collector:4317", texts["gateway.yaml"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_WithoutOutputPath_ExitsWith2_AndSaysWhatIsMissing()
    {
        await using var appHost = HerdService.Start("Herd.AppHost", ["--publisher", "kubernetes"]);
        var exitCode = await appHost.WaitForExitAsync(PublishTimeout);

        Assert.Equal(2, exitCode);
        Assert.Contains("--publisher needs --output-path", appHost.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_output));
    }

    public void Dispose()
    {
        Directory.Delete(_output, recursive: true);
        Directory.Delete(_model, recursive: true);
    }

    private async Task<Published> PublishAsync(string[] arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        await using var appHost = HerdService.Start("Herd.AppHost", ["--publisher", "kubernetes", "--output-path", _output, .. arguments], environment);
        var exitCode = await appHost.WaitForExitAsync(PublishTimeout);
        Assert.True(exitCode == 0, appHost.Output);
        var objects = new List<object>();
        foreach (var file in Directory.GetFiles(_output, "*.yaml").Where(file => Path.GetFileName(file) != "kustomization.yaml"))
        {
            objects.AddRange(KubernetesYaml.LoadAllFromString(await File.ReadAllTextAsync(file)));
        }

        return new Published(objects);
    }

    private static V1EnvVar Variable(V1Container container, string name) => container.Env.Single(variable => variable.Name == name);

    private static bool Matches(IDictionary<string, string> selector, IDictionary<string, string> labels) =>
        selector.Count > 0 && selector.All(label => labels.TryGetValue(label.Key, out var value) && value == label.Value);

    /// <summary>The objects of every published file.</summary>
    private sealed record Published(IReadOnlyList<object> Objects)
    {
        public IEnumerable<T> All<T>() where T : IMetadata<V1ObjectMeta> => Objects.OfType<T>();

        public T Single<T>(string name) where T : IMetadata<V1ObjectMeta> => All<T>().Single(item => item.Name() == name);
    }

    private sealed class KustomizationFile
    {
        public string ApiVersion { get; set; } = "";

        public string Kind { get; set; } = "";

        public List<string> Resources { get; set; } = [];

        public List<KustomizationImage> Images { get; set; } = [];

        public List<KustomizationLabels> Labels { get; set; } = [];
    }

    private sealed class KustomizationImage
    {
        public string Name { get; set; } = "";
    }

    private sealed class KustomizationLabels
    {
        public Dictionary<string, string> Pairs { get; set; } = [];
    }
}
