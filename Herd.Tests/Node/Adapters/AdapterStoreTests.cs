using Herd.Node.Adapters;
using Herd.Node.Model.Lora;
using Herd.Node.Telemetry;
using Herd.Tests.Node.Engine;
using Herd.Tests.Node.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace Herd.Tests.Node.Adapters;

/// <summary>Adapters loaded on demand, kept resident within limits, and dropped least recently used.</summary>
public sealed class AdapterStoreTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("herd-adapter-store-").FullName;

    public AdapterStoreTests()
    {
        for (var i = 0; i < 4; i++)
        {
            TestAdapters.Write(_folder, $"expert-{i}", RandomModel.Config(), rank: 2, alpha: 4, [LoraModule.QProj], seed: i);
        }
    }

    [Fact]
    public void LeastRecentlyUsed_UnheldAdapter_MakesRoom_AndTheMetricsSaySo()
    {
        using var metrics = new MetricRecorder();
        using var store = Store(maxResident: 2, metrics: new EngineMetrics(metrics.Meters));

        store.Acquire("expert-0").Dispose();
        store.Acquire("expert-1").Dispose();
        store.Acquire("expert-0").Dispose();
        store.Acquire("expert-2").Dispose();

        Assert.Equal(["expert-0", "expert-1", "expert-2", "expert-3"], store.Names);
        Assert.Equal(["expert-0", "expert-2"], store.InMemory.Select(adapter => adapter.Name).Order());
        Assert.Equal(3, metrics.Values("herd.node.adapters.loads").Sum());
        Assert.Equal(1, metrics.Values("herd.node.adapters.evictions").Sum());
        Assert.Equal(2, metrics.Observe("herd.node.adapters.resident"));
        Assert.Equal(store.ResidentBytes, metrics.Observe("herd.node.adapters.memory"));
    }

    [Fact]
    public void AdaptersInUse_AreNeverDropped_AndAFullStoreSaysSo()
    {
        using var store = Store(maxResident: 2);
        using var first = store.Acquire("expert-0");
        using var second = store.Acquire("expert-1");

        var error = Assert.Throws<AdapterUnavailableException>(() => store.Acquire("expert-2"));

        Assert.Equal(AdapterUnavailableReason.NoRoom, error.Reason);
        Assert.Contains("all 2 resident adapters are in use", error.Message);
        Assert.Equal(2, store.InMemory.Count(adapter => adapter.Leases == 1));
        second.Dispose();
        using var third = store.Acquire("expert-2");
        Assert.Equal(["expert-0", "expert-2"], store.InMemory.Select(adapter => adapter.Name).Order());
    }

    [Fact]
    public void ByteLimit_CountsAdaptersSizes()
    {
        using var store = Store(maxResident: 16, preload: true);
        // Preloading took every adapter: four fit in 1 MiB.
        Assert.Equal(4, store.InMemory.Count);
        Assert.Equal(store.InMemory.Sum(adapter => adapter.Bytes), store.ResidentBytes);
        Assert.All(store.InMemory, adapter => Assert.Equal(0, adapter.Leases));
    }

    [Fact]
    public void UnknownOrBrokenAdapter_IsRefused_SayingWhich()
    {
        File.WriteAllText(Path.Combine(_folder, "expert-3", PeftAdapter.WeightsFileName), "not safetensors");
        using var store = Store(maxResident: 4);

        var unknown = Assert.Throws<AdapterUnavailableException>(() => store.Acquire("nobody"));
        var broken = Assert.Throws<AdapterUnavailableException>(() => store.Acquire("expert-3"));

        Assert.Equal(AdapterUnavailableReason.Unknown, unknown.Reason);
        Assert.Contains("This node has no adapter 'nobody': it has expert-0, expert-1, expert-2, expert-3.", unknown.Message);
        Assert.Equal(AdapterUnavailableReason.Invalid, broken.Reason);
        Assert.Contains("Adapter 'expert-3' cannot be applied to this model", broken.Message);
        Assert.Empty(store.InMemory);
    }

    [Fact]
    public void MissingAdaptersFolder_IsAConfigurationError()
    {
        var error = Assert.Throws<AdapterLoadException>(() => new AdapterStore(new AdapterOptions { Folder = Path.Combine(_folder, "missing") }, RandomModel.Config(), float32, CPU, NullLogger<AdapterStore>.Instance));

        Assert.Contains("Herd:Node:Adapters:Folder", error.Message);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private AdapterStore Store(int maxResident, bool preload = false, EngineMetrics? metrics = null)
    {
        var store = new AdapterStore(new AdapterOptions { Folder = _folder, MaxResident = maxResident, MaxResidentMegabytes = 1, Preload = preload }, RandomModel.Config(), float32, CPU, NullLogger<AdapterStore>.Instance, metrics);
        store.Preload();
        return store;
    }
}
