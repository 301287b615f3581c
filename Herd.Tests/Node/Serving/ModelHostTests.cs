using Herd.Node;
using Herd.Node.Adapters;
using Herd.Node.Engine;
using Herd.Node.Experts;
using Herd.Node.Serving;
using Herd.Node.Telemetry;
using Herd.Tests.Node.Link;
using Herd.Tests.Node.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Herd.Tests.Node.Serving;

/// <summary>The node's models loaded, switched and unloaded in one process: what jobs see, and what is announced.</summary>
public sealed class ModelHostTests(LinkedNode nodes) : IClassFixture<LinkedNode>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("herd-model-host-").FullName;
    private readonly MetricRecorder _metrics = new();

    [Fact]
    public async Task Switch_LoadsTheNewModelFirst_EndsJobsThatOutlastTheDrain_AndAnnouncesEachChange()
    {
        var second = CopyOfTheModel("second");
        await using var host = Host(catalog: [second]);
        await host.StartAsync(CancellationToken.None);
        var announcements = 0;
        host.AnnouncementChanged += () => Interlocked.Increment(ref announcements);
        var running = host.TryLease("")!;
        // A job that ends when told to, as the engine's do.
        var ended = running.Unloading.Register(running.Dispose);

        await host.SwitchAsync(nodes.ModelFolder, second, CancellationToken.None);

        Assert.Equal([second], host.Models.Select(model => model.Name));
        // Loaded, then unloaded: two announcements. The job outlasted the drain and was told to end.
        Assert.Equal(2, announcements);
        Assert.True(running.Unloading.IsCancellationRequested);
        Assert.Null(host.TryLease(nodes.ModelFolder));
        using var next = host.TryLease(second);
        Assert.NotNull(next);
        await ended.DisposeAsync();
    }

    [Fact]
    public async Task Changes_ThatCannotBeMade_AreRefused_SayingWhy_AndChangeNothing()
    {
        var broken = Directory.CreateDirectory(Path.Combine(_folder, "broken")).FullName;
        await using var host = Host(catalog: [broken]);
        await host.StartAsync(CancellationToken.None);

        var notInCatalog = await Assert.ThrowsAsync<ModelChangeException>(() => host.LoadAsync("herd-nowhere", CancellationToken.None));
        var failed = await Assert.ThrowsAsync<ModelChangeException>(() => host.LoadAsync(broken, CancellationToken.None));
        var last = await Assert.ThrowsAsync<ModelChangeException>(() => host.UnloadAsync(nodes.ModelFolder, CancellationToken.None));
        var notLoaded = await Assert.ThrowsAsync<ModelChangeException>(() => host.UnloadAsync(broken, CancellationToken.None));

        Assert.Equal((ModelChangeProblem.NotFound, ModelChangeProblem.LoadFailed, ModelChangeProblem.LastModel, ModelChangeProblem.NotFound),
            (notInCatalog.Problem, failed.Problem, last.Problem, notLoaded.Problem));
        Assert.Contains("not in this node's catalog", notInCatalog.Message, StringComparison.Ordinal);
        Assert.Equal([nodes.ModelFolder], host.Models.Select(model => model.Name));
        Assert.Null(host.Loading);
    }

    [Fact]
    public async Task Unload_WaitsForARunningJob_ThatEndsWithinTheDrain()
    {
        var second = CopyOfTheModel("third");
        await using var host = Host(catalog: [second], drain: TimeSpan.FromSeconds(30));
        await host.StartAsync(CancellationToken.None);
        await host.LoadAsync(second, CancellationToken.None);
        var running = host.TryLease(second)!;

        var unloading = host.UnloadAsync(second, CancellationToken.None);
        await Task.Delay(200);
        var waitedForTheJob = !unloading.IsCompleted;
        running.Dispose();
        await unloading;

        Assert.True(waitedForTheJob);
        Assert.False(running.Unloading.IsCancellationRequested);
        Assert.Equal([nodes.ModelFolder], host.Models.Select(model => model.Name));
    }

    public void Dispose()
    {
        _metrics.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private string CopyOfTheModel(string name)
    {
        var copy = Directory.CreateDirectory(Path.Combine(_folder, name)).FullName;
        foreach (var file in Directory.GetFiles(nodes.ModelFolder))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        return copy;
    }

    private ModelHost Host(IReadOnlyList<string> catalog, TimeSpan? drain = null) => new(
        Options.Create(new NodeOptions { Model = nodes.ModelFolder, Catalog = catalog, Device = "cpu", Threads = 1, DrainTimeout = drain ?? TimeSpan.FromMilliseconds(100) }),
        Options.Create(new EngineOptions { MaxSequences = 2 }),
        Options.Create(new AdapterOptions()),
        Options.Create(new ExpertOptions()),
        new EngineMetrics(_metrics.Meters),
        NullLoggerFactory.Instance,
        NullLogger<ModelHost>.Instance);
}
