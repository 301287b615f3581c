using Herd.Node.Model;
using Herd.Node.Serving;
using static TorchSharp.torch;

namespace Herd.Tests.Node.Model;

/// <summary>What loading tells of its progress: the share of the checkpoint's bytes read, rising to all of them.</summary>
public sealed class ModelLoadProgressTests
{
    [Fact]
    public void Load_ReportsTheShareOfTheWeightsRead_RisingToOne()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "Golden", "llama-gqa");
        var config = ModelConfig.Load(folder);
        var reports = new List<double>();

        using var model = ModelLoader.Load(folder, config, maxPositions: 64, float32, CPU, progress: new Recorded(reports));

        Assert.True(reports.Count > 3, $"{reports.Count} reports");
        Assert.True(reports.Zip(reports.Skip(1)).All(pair => pair.First <= pair.Second), string.Join(", ", reports));
        Assert.InRange(reports[0], double.Epsilon, 0.99);
        Assert.Equal(1.0, reports[^1], precision: 6);
    }

    [Fact]
    public void LoadingModel_KeepsTheLatestShare_AndSaysEachTenthOnce()
    {
        var tenths = new List<int>();
        var loading = new LoadingModel("herd-tiny", DateTimeOffset.UtcNow, tenths.Add);

        foreach (var share in new[] { 0.05, 0.12, 0.15, 0.31, 0.99, 1.0 })
        {
            loading.Report(share);
        }

        Assert.Equal(1.0, loading.Done);
        Assert.Equal([10, 30, 90, 100], tenths);
    }

    private sealed class Recorded(List<double> reports) : IProgress<double>
    {
        public void Report(double value) => reports.Add(value);
    }
}
