using System.Text.RegularExpressions;
using Herd.Tests.Fixtures;
using k8s;
using k8s.Models;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Herd.Tests.AppHost;

/// <summary>
/// <c>--publisher kubernetes</c> (Aspire's pipeline step <c>publish-kubernetes</c>) run as an
/// operator runs it, with every file read back as typed Kubernetes objects: what kubectl would
/// apply, not what the publisher meant to write.
/// </summary>
public sealed partial class KubernetesPublishingTests : IDisposable
{
    private readonly string _output = Directory.CreateTempSubdirectory("herd-k8s-").FullName;
    private readonly string _model = Directory.CreateTempSubdirectory("herd-k8s-model-").FullName;

    [Fact]
    public async Task Publish_DefaultHerd_WritesEveryResourceOfTheModel()
    {
        var published = await PublishAsync(["--nodes", "3", "--gateways", "2"]);

        Assert.Equal(2, published.Single<V1Deployment>("gateway").Spec.Replicas);
        Assert.Equal(3, published.Single<V1Deployment>("node").Spec.Replicas);
        // The node dials the gateways and nothing dials a node, so it has no Service.
        Assert.Equal(["gateway", "postgres", "redis"], published.All<V1Service>().Select(service => service.Name()).Order());
        Assert.Equal(["postgres", "redis"], published.All<V1StatefulSet>().Select(server => server.Name()).Order());
        Assert.Equal(["node-secret", "postgres-password", "redis-password"], published.All<V1Secret>().Select(secret => secret.Name()).Order());
        Assert.Equal("1", published.Single<V1PodDisruptionBudget>("gateway").Spec.MinAvailable?.Value);
        Assert.Equal("1", published.Single<V1PodDisruptionBudget>("node").Spec.MaxUnavailable?.Value);
        Assert.Equal(
            await File.ReadAllTextAsync(Path.Combine(HerdService.RepositoryRoot(), "Herd.Gateway", "roles.yaml")),
            published.Single<V1ConfigMap>("herd-roles").Data["roles.yaml"]);
        Assert.Equal(
            await File.ReadAllTextAsync(Path.Combine(HerdService.RepositoryRoot(), "Herd.Gateway", "prompts.yaml")),
            published.Single<V1ConfigMap>("herd-prompts").Data["prompts.yaml"]);
        Assert.Empty(published.All<V1PersistentVolumeClaim>());
    }

    [Fact]
    public async Task Publish_Projects_ListenProbeAndLinkOnTheirImagesPorts()
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
            Assert.Equal("/alive", container.StartupProbe.HttpGet.Path);
            Assert.Equal("http://*:8081", Variable(container, "Kestrel__Endpoints__Http__Url").Value);
            Assert.DoesNotContain(container.Ports, port => port.Name == "https");
        }

        Assert.Equal("herd/gateway:latest", gateway.Containers.Single().Image);
        Assert.Equal([("grpc", 8080), ("http", 8081)], gateway.Containers.Single().Ports.Select(port => (port.Name, port.ContainerPort)));
        Assert.Equal("http://*:8080", Variable(gateway.Containers.Single(), "Kestrel__Endpoints__Grpc__Url").Value);
        Assert.Equal((8080, "grpc", "kubernetes.io/h2c"), (service["grpc"].Port, service["grpc"].TargetPort.Value, service["grpc"].AppProtocol));
        Assert.Equal((8081, null), (service["http"].Port, service["http"].AppProtocol));
        Assert.Equal("/etc/herd/roles.yaml", Variable(gateway.Containers.Single(), "Herd__Gateway__Access__RolesFile").Value);
        Assert.Equal("herd-roles", gateway.Volumes.Single(volume => volume.Name == gateway.Containers.Single().VolumeMounts.Single(mount => mount.MountPath == "/etc/herd").Name).ConfigMap.Name);
        Assert.Equal("/etc/herd-prompts/prompts.yaml", Variable(gateway.Containers.Single(), "Herd__Gateway__Prompts__SeedFile").Value);
        Assert.Equal("herd-prompts", gateway.Volumes.Single(volume => volume.Name == gateway.Containers.Single().VolumeMounts.Single(mount => mount.MountPath == "/etc/herd-prompts").Name).ConfigMap.Name);
        Assert.Equal("herd/node:latest", node.Containers.Single().Image);
        Assert.Equal("http://gateway:8080", Variable(node.Containers.Single(), "services__gateway__grpc__0").Value);
        Assert.Equal((30L, 60L), (gateway.TerminationGracePeriodSeconds, node.TerminationGracePeriodSeconds));
        Assert.DoesNotContain(node.Containers.Single().Env, variable => variable.Name == "Herd__Node__NodeId");
        Assert.DoesNotContain(gateway.Containers.Single().Env, variable => variable.Name == "Herd__Gateway__Access__BootstrapKeyFile");
    }

    [Fact]
    public async Task Publish_Servers_RunAspiresContainers_OnVolumes_BehindHeadlessServices()
    {
        var published = await PublishAsync([]);
        var redis = published.Single<V1StatefulSet>("redis");
        var postgres = published.Single<V1StatefulSet>("postgres");
        var redisContainer = redis.Spec.Template.Spec.Containers.Single();
        var postgresContainer = postgres.Spec.Template.Spec.Containers.Single();

        Assert.StartsWith("docker.io/library/redis:", redisContainer.Image, StringComparison.Ordinal);
        Assert.Equal(["/bin/sh"], redisContainer.Command);
        Assert.Equal("-c", redisContainer.Args[0]);
        Assert.Contains("--requirepass $REDIS_PASSWORD", redisContainer.Args[1], StringComparison.Ordinal);
        Assert.Contains("--appendonly yes", redisContainer.Args[1], StringComparison.Ordinal);
        Assert.Equal(("redis-password", "value"), SecretOf(Variable(redisContainer, "REDIS_PASSWORD")));
        Assert.Equal(("redis-data", "/data"), (redisContainer.VolumeMounts.Single().Name, redisContainer.VolumeMounts.Single().MountPath));
        Assert.Equal(("redis-data", "1Gi"), (redis.Spec.VolumeClaimTemplates.Single().Name(), redis.Spec.VolumeClaimTemplates.Single().Spec.Resources.Requests["storage"].ToString()));
        Assert.NotNull(redisContainer.ReadinessProbe.Exec);
        Assert.StartsWith("docker.io/library/postgres:", postgresContainer.Image, StringComparison.Ordinal);
        Assert.Equal(("postgres-password", "value"), SecretOf(Variable(postgresContainer, "POSTGRES_PASSWORD")));
        Assert.Equal("postgres", Variable(postgresContainer, "POSTGRES_USER").Value);
        Assert.Equal("postgres-data", postgresContainer.VolumeMounts.Single().Name);
        Assert.Equal("10Gi", postgres.Spec.VolumeClaimTemplates.Single().Spec.Resources.Requests["storage"].ToString());
        foreach (var (server, port) in new[] { ("redis", 6379), ("postgres", 5432) })
        {
            var service = published.Single<V1Service>(server).Spec;
            Assert.Equal("None", service.ClusterIP);
            Assert.Equal(port, service.Ports.Single().Port);
            Assert.Equal(server, published.Single<V1StatefulSet>(server).Spec.ServiceName);
            Assert.Equal(1, published.Single<V1StatefulSet>(server).Spec.Replicas);
        }
    }

    [Fact]
    public async Task Publish_Selectors_MatchThePodsTheyOwn()
    {
        var published = await PublishAsync([]);
        var pods = published.All<V1Deployment>().Select(deployment => deployment.Spec.Template)
            .Concat(published.All<V1StatefulSet>().Select(server => server.Spec.Template)).ToList();

        foreach (var deployment in published.All<V1Deployment>())
        {
            Assert.True(Matches(deployment.Spec.Selector.MatchLabels, deployment.Spec.Template.Metadata.Labels), deployment.Name());
        }

        foreach (var server in published.All<V1StatefulSet>())
        {
            Assert.True(Matches(server.Spec.Selector.MatchLabels, server.Spec.Template.Metadata.Labels), server.Name());
        }

        foreach (var budget in published.All<V1PodDisruptionBudget>())
        {
            Assert.Single(pods, pod => Matches(budget.Spec.Selector.MatchLabels, pod.Metadata.Labels));
        }

        foreach (var service in published.All<V1Service>())
        {
            Assert.Single(pods, pod => Matches(service.Spec.Selector, pod.Metadata.Labels));
        }
    }

    [Fact]
    public async Task Publish_Secrets_AreReadFromSecrets_AndConnectionStringsExpandThem()
    {
        var published = await PublishAsync([]);
        var keys = published.All<V1Secret>().SelectMany(secret => secret.StringData.Keys.Select(key => (secret.Name(), key))).ToHashSet();
        var containers = published.All<V1Deployment>().Select(deployment => deployment.Spec.Template.Spec)
            .Concat(published.All<V1StatefulSet>().Select(server => server.Spec.Template.Spec))
            .SelectMany(pod => pod.Containers).ToList();
        var gateway = published.Single<V1Deployment>("gateway").Spec.Template.Spec.Containers.Single();
        var secrets = published.All<V1Secret>().ToDictionary(secret => secret.Name(), secret => secret.StringData["value"]);

        Assert.All(
            containers.SelectMany(container => container.Env).Where(variable => variable.ValueFrom is not null),
            variable => Assert.Contains((variable.ValueFrom.SecretKeyRef.Name, variable.ValueFrom.SecretKeyRef.Key), keys));
        Assert.Equal(("node-secret", "value"), SecretOf(Variable(gateway, "HERD_NODE_SECRET")));
        Assert.Equal(("node-secret", "value"), SecretOf(Variable(published.Single<V1Deployment>("node").Spec.Template.Spec.Containers.Single(), "HERD_NODE_SECRET")));
        Assert.Equal("redis:6379,password=$(Parameters__redis-password)", Variable(gateway, "ConnectionStrings__redis").Value);
        Assert.Equal("Host=postgres;Port=5432;Username=postgres;Password=$(Parameters__postgres-password);Database=herd", Variable(gateway, "ConnectionStrings__ledger").Value);
        Assert.Equal(("redis-password", "value"), SecretOf(Variable(gateway, "Parameters__redis-password")));
        Assert.Equal(("postgres-password", "value"), SecretOf(Variable(gateway, "Parameters__postgres-password")));
        Assert.All(containers, AssertReferencesAreDefinedBefore);
        Assert.True(secrets["node-secret"].Length >= 32, "the node secret is short");

        // No secret value is written anywhere but in the Secrets.
        foreach (var file in Directory.GetFiles(_output).Where(file => Path.GetFileName(file) != "secrets.yaml"))
        {
            var text = await File.ReadAllTextAsync(file);
            Assert.All(secrets.Values, value => Assert.DoesNotContain(value, text, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Publish_TextThatReadsLikeAReference_IsEscaped_SoKubernetesPassesItOnUnchanged()
    {
        // Kubernetes reads $(NAME) as a variable and $$ as $ in every value it is given.
        var published = await PublishAsync(["--model", "odd$(name)$$"]);

        Assert.Equal("odd$$(name)$$$$", Variable(published.Single<V1Deployment>("node").Spec.Template.Spec.Containers.Single(), "Herd__Node__Model").Value);
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
        Assert.Equal(
            ["gateway-prompts.yaml", "gateway-roles.yaml", "gateway.yaml", "node-models.yaml", "node.yaml", "postgres.yaml", "redis.yaml", "secrets.yaml"],
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
        Assert.Equal("cpu", Variable(container, "Herd__Node__Device").Value);
        Assert.Equal("8", Variable(container, "Herd__Node__Engine__MaxSequences").Value);
        Assert.Null(container.VolumeMounts);
        Assert.Empty(published.All<V1PersistentVolumeClaim>());
    }

    [Fact]
    public async Task Publish_WithMaxNodes_ScalesTheNodesByTheModelsQueue_AndScalesDownOnePodAtATime()
    {
        var published = await PublishAsync(["--nodes", "2", "--max-nodes", "8", "--queued-jobs-per-node", "6"]);
        var autoscaler = published.Single<V2HorizontalPodAutoscaler>("node").Spec;
        var metric = Assert.Single(autoscaler.Metrics).External;
        var scaleDown = Assert.Single(autoscaler.Behavior.ScaleDown.Policies);

        Assert.Equal(("Deployment", "node", 2, 8), (autoscaler.ScaleTargetRef.Kind, autoscaler.ScaleTargetRef.Name, autoscaler.MinReplicas, autoscaler.MaxReplicas));
        Assert.Equal(("herd_gateway_queue_depth", "herd-tiny"), (metric.Metric.Name, metric.Metric.Selector.MatchLabels["gen_ai_request_model"]));
        Assert.Equal(("AverageValue", "6"), (metric.Target.Type, metric.Target.AverageValue.ToString()));
        Assert.Equal(("Pods", 1, 60), (scaleDown.Type, scaleDown.Value, scaleDown.PeriodSeconds));
        // A pod scaled away drains: its grace period covers the node's drain timeout.
        Assert.True(published.Single<V1Deployment>("node").Spec.Template.Spec.TerminationGracePeriodSeconds > 30);
    }

    [Fact]
    public async Task Publish_WithoutMaxNodes_HasNoAutoscaler_AndMaxNodesBelowNodes_IsRefused()
    {
        var published = await PublishAsync(["--nodes", "2"]);
        var (exitCode, output) = await AppHostPublish.RunAsync(["--publisher", "kubernetes", "--output-path", _output, "--nodes", "3", "--max-nodes", "2"]);

        Assert.Empty(published.All<V2HorizontalPodAutoscaler>());
        Assert.NotEqual(0, exitCode);
        Assert.Contains("--max-nodes 2 is below the nodes to start with (3)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_NoNodes_PublishesTheGatewayAndItsServersOnly_TheGatewayStillBehindItsService()
    {
        var published = await PublishAsync(["--nodes", "0"]);

        Assert.Equal(["gateway"], published.All<V1Deployment>().Select(deployment => deployment.Name()));
        Assert.Equal(["gateway", "postgres", "redis"], published.All<V1Service>().Select(service => service.Name()).Order());
        Assert.False(File.Exists(Path.Combine(_output, "node.yaml")));
    }

    [Fact]
    public async Task Publish_ExistingServers_PublishNoServers_AndKeepTheirConnectionStringsInSecrets()
    {
        var published = await PublishAsync([], new Dictionary<string, string>
        {
            ["ConnectionStrings__redis"] = "redis.example.com:6380,ssl=true",
            ["ConnectionStrings__ledger"] = "Host=db.example.com;Username=herd;Password=configured;Database=herd",
            ["Parameters__node-secret"] = "the-operators-node-secret",
        });
        var secrets = published.All<V1Secret>().ToDictionary(secret => secret.Name(), secret => secret.StringData["value"]);
        var gateway = published.Single<V1Deployment>("gateway").Spec.Template.Spec.Containers.Single();

        Assert.Empty(published.All<V1StatefulSet>());
        Assert.Equal(["gateway"], published.All<V1Service>().Select(service => service.Name()));
        Assert.Equal(["ledger", "node-secret", "redis"], secrets.Keys.Order());
        Assert.Equal("redis.example.com:6380,ssl=true", secrets["redis"]);
        Assert.Equal("Host=db.example.com;Username=herd;Password=configured;Database=herd", secrets["ledger"]);
        Assert.Equal("the-operators-node-secret", secrets["node-secret"]);
        Assert.Equal(("redis", "value"), SecretOf(Variable(gateway, "ConnectionStrings__redis")));
        Assert.Equal(("ledger", "value"), SecretOf(Variable(gateway, "ConnectionStrings__ledger")));
    }

    [Fact]
    public async Task Publish_ConfiguredParameters_GiveTheSameSecretsOnEveryPublish()
    {
        var configured = new Dictionary<string, string>
        {
            ["Parameters__node-secret"] = "kept-node-secret",
            ["Parameters__postgres-password"] = "kept-postgres-password",
            ["Parameters__redis-password"] = "kept-redis-password",
        };

        var first = await PublishAsync([], configured);
        var firstSecrets = await File.ReadAllTextAsync(Path.Combine(_output, "secrets.yaml"));
        var second = await PublishAsync(["--nodes", "4"], configured);
        var secrets = second.All<V1Secret>().ToDictionary(secret => secret.Name(), secret => secret.StringData["value"]);

        Assert.Equal(firstSecrets, await File.ReadAllTextAsync(Path.Combine(_output, "secrets.yaml")));
        Assert.Equal(1, first.Single<V1Deployment>("node").Spec.Replicas);
        Assert.Equal(4, second.Single<V1Deployment>("node").Spec.Replicas);
        Assert.Equal("kept-node-secret", secrets["node-secret"]);
        Assert.Equal("kept-postgres-password", secrets["postgres-password"]);
        Assert.Equal("kept-redis-password", secrets["redis-password"]);
    }

    [Fact]
    public async Task Publish_UnconfiguredParameters_AreMadeUpAnewForEachPublish()
    {
        var first = (await PublishAsync([])).All<V1Secret>().ToDictionary(secret => secret.Name(), secret => secret.StringData["value"]);
        var second = (await PublishAsync([])).All<V1Secret>().ToDictionary(secret => secret.Name(), secret => secret.StringData["value"]);

        Assert.All(first, secret => Assert.NotEqual(secret.Value, second[secret.Key]));
    }

    [Fact]
    public async Task Publish_Files_HoldNoPathOfThisMachine()
    {
        await PublishAsync(["--device", "cuda", "--model", _model]);
        var texts = Directory.GetFiles(_output).ToDictionary(file => Path.GetFileName(file), File.ReadAllText);

        Assert.All(texts, file =>
        {
            Assert.DoesNotContain(_model, file.Value, StringComparison.Ordinal);
            Assert.DoesNotContain(HerdService.RepositoryRoot(), file.Value, StringComparison.Ordinal);
            Assert.DoesNotContain("/tmp", file.Value, StringComparison.Ordinal);
            Assert.DoesNotContain(".herd", file.Value, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Publish_AspiresOwnStepSwitches_PublishTheSameObjects()
    {
        var (exitCode, output) = await AppHostPublish.RunAsync(["--operation", "publish", "--step", "publish-kubernetes", "--output-path", _output, "--nodes", "2"]);

        Assert.True(exitCode == 0, output);
        Assert.Equal(2, (await ReadAsync()).Single<V1Deployment>("node").Spec.Replicas);
    }

    [Fact]
    public async Task Publish_ToAFile_ExitsWithOne_SayingWhyInOneLine()
    {
        var file = Path.Combine(_output, "deploy");
        await File.WriteAllTextAsync(file, "not a folder");

        var (exitCode, output) = await AppHostPublish.RunAsync(["--publisher", "kubernetes", "--output-path", file]);

        Assert.Equal(1, exitCode);
        Assert.Contains($"Could not write the Kubernetes objects to {file}: ", output, StringComparison.Ordinal);
        Assert.Contains("--output-path must name a folder this user can write to.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.Equal([file], Directory.GetFileSystemEntries(_output));
    }

    [Fact]
    public async Task Publish_WhereNoOneMayWrite_ExitsWithOne_SayingWhyInOneLine()
    {
        // Even root may not create a folder in /sys.
        var folder = "/sys/herd-deploy";

        var (exitCode, output) = await AppHostPublish.RunAsync(["--publisher", "kubernetes", "--output-path", folder]);

        Assert.Equal(1, exitCode);
        Assert.Contains($"Could not write the Kubernetes objects to {folder}: ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Directory.Delete(_output, recursive: true);
        Directory.Delete(_model, recursive: true);
    }

    private async Task<Published> PublishAsync(string[] arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var (exitCode, output) = await AppHostPublish.RunAsync(["--publisher", "kubernetes", "--output-path", _output, .. arguments], environment);
        Assert.True(exitCode == 0, output);
        return await ReadAsync();
    }

    private async Task<Published> ReadAsync()
    {
        var objects = new List<object>();
        foreach (var file in Directory.GetFiles(_output, "*.yaml").Where(file => Path.GetFileName(file) != "kustomization.yaml"))
        {
            objects.AddRange(KubernetesYaml.LoadAllFromString(await File.ReadAllTextAsync(file)));
        }

        return new Published(objects);
    }

    /// <summary>The variable, by the name .NET's configuration reads it by (case does not matter).</summary>
    private static V1EnvVar Variable(V1Container container, string name) =>
        container.Env.Single(variable => string.Equals(variable.Name, name, StringComparison.OrdinalIgnoreCase));

    private static (string Secret, string Key) SecretOf(V1EnvVar variable) =>
        (variable.ValueFrom.SecretKeyRef.Name, variable.ValueFrom.SecretKeyRef.Key);

    /// <summary>Kubernetes expands $(NAME) only of a variable listed before; anything else stays as written.</summary>
    private static void AssertReferencesAreDefinedBefore(V1Container container)
    {
        var defined = new HashSet<string>(StringComparer.Ordinal);
        foreach (var variable in container.Env)
        {
            foreach (Match reference in Reference().Matches(variable.Value ?? string.Empty))
            {
                Assert.Contains(reference.Groups["name"].Value, defined);
            }

            defined.Add(variable.Name);
        }

        foreach (Match reference in (container.Args ?? []).SelectMany(argument => Reference().Matches(argument)))
        {
            Assert.Contains(reference.Groups["name"].Value, defined);
        }
    }

    private static bool Matches(IDictionary<string, string> selector, IDictionary<string, string> labels) =>
        selector.Count > 0 && selector.All(label => labels.TryGetValue(label.Key, out var value) && value == label.Value);

    [GeneratedRegex(@"(?<!\$)\$\((?<name>[^)]+)\)")]
    private static partial Regex Reference();

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
