using System.Globalization;
using System.Text.RegularExpressions;
using Herd.Node.Adapters;
using Herd.Node.Engine;
using Herd.Node.Models;
using Herd.Node.Serving;
using Herd.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herd.Tests.Node.Cli;

/// <summary><c>Herd.Node finetune</c> on herd-tiny: the loss falls, and the adapter it writes loads and changes what the model says.</summary>
public sealed partial class FinetuneCommandTests : IDisposable
{
    private static readonly string TrainingData = Path.Combine(AppContext.BaseDirectory, "Golden", "herd-tiny-finetuned", "train.jsonl");

    private readonly string _modelCache = Directory.CreateTempSubdirectory("herd-models-").FullName;
    private readonly string _folder = Directory.CreateTempSubdirectory("herd-finetune-").FullName;

    [Fact]
    public async Task Finetune_LowersTheLoss_AndWritesAnAdapterThatLoadsAndChangesTheOutput()
    {
        var adapters = Path.Combine(_folder, "adapters");
        var result = await RunAsync("finetune", "--model", "herd-tiny", "--data", TrainingData, "--out", Path.Combine(adapters, "tuned"),
            "--rank", "4", "--alpha", "8", "--target-modules", "all", "--epochs", "3", "--batch-size", "4", "--learning-rate", "3e-3", "--threads", "1", "--device", "cpu", "--seed", "7");

        Assert.Equal(0, result.ExitCode);
        var losses = LossLine().Match(result.StandardOutput).Groups["losses"].Value.Split(" -> ").Select(loss => double.Parse(loss, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(3, losses.Count);
        Assert.True(losses[^1] < losses[0], result.StandardOutput);
        Assert.Contains("epoch 3/3", result.Output, StringComparison.Ordinal);

        // It writes what the committed adapter (which the PyTorch reference checked against PEFT's conventions) holds.
        var committed = Path.Combine(AppContext.BaseDirectory, "Golden", "herd-tiny-finetuned", "adapter");
        Assert.Equal(ConfigKeys(committed), ConfigKeys(Path.Combine(adapters, "tuned")));
        Assert.Equal(TensorNames(committed), TensorNames(Path.Combine(adapters, "tuned")));

        var folder = new ModelLocator(_modelCache, NullLogger<ModelLocator>.Instance).Locate("herd-tiny");
        await using var served = ServedModel.Load("herd-tiny", folder, new ServedModelOptions { Device = "cpu", Adapters = new AdapterOptions { Folder = adapters } }, NullLoggerFactory.Instance);
        var greedy = new SamplingParameters { Temperature = 0, MaxTokens = 16, IgnoreEndOfSequence = true };
        var prompt = PromptInput.FromText("What is 1 plus 2?\n");
        var baseTokens = await TokensAsync(served.GenerateAsync("base", prompt, greedy));
        var tunedTokens = await TokensAsync(served.GenerateAsync("tuned", prompt, greedy, new AdapterSelection.Named([new WeightedName("tuned", 1.0)])));
        Assert.NotEqual(baseTokens, tunedTokens);
    }

    [Theory]
    [InlineData("{\"instruction\": \"hi\"}", "the object has no 'response' or 'output' or 'completion'")]
    [InlineData("not json", "train.jsonl:2: not a JSON object")]
    [InlineData("[1, 2]", "each line must be a JSON object")]
    public async Task Finetune_WithABadTrainingLine_ExitsNamingTheLine(string line, string expected)
    {
        var data = Path.Combine(_folder, "train.jsonl");
        await File.WriteAllLinesAsync(data, ["{\"instruction\": \"Say hi\", \"response\": \"hi\"}", line]);

        var result = await RunAsync("finetune", "--model", "herd-tiny", "--data", data, "--out", Path.Combine(_folder, "out"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_folder, "out")));
    }

    [Fact]
    public async Task Finetune_WithAFileAsItsOutput_ExitsSayingSo_AndLeavesTheFile()
    {
        var file = Path.Combine(_folder, "adapter.txt");
        await File.WriteAllTextAsync(file, "keep me");

        var result = await RunAsync("finetune", "--model", "herd-tiny", "--data", TrainingData, "--out", file);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"--out {file} is a file; give the folder", result.Output, StringComparison.Ordinal);
        Assert.Equal("keep me", await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task Finetune_WithAnUnknownModule_ExitsNamingTheChoices()
    {
        var result = await RunAsync("finetune", "--model", "herd-tiny", "--data", TrainingData, "--out", Path.Combine(_folder, "out"), "--target-modules", "q_proj,lm_head");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--target-modules names 'lm_head'; choose among q_proj, k_proj", result.Output, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Directory.Delete(_modelCache, recursive: true);
        Directory.Delete(_folder, recursive: true);
    }

    private static List<string> ConfigKeys(string adapter) =>
        [.. System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(adapter, AdapterConfig.FileName))).RootElement.EnumerateObject().Select(property => property.Name)];

    private static List<string> TensorNames(string adapter)
    {
        using var file = Herd.Node.Weights.SafetensorsFile.Open(Path.Combine(adapter, PeftAdapter.WeightsFileName));
        return [.. file.TensorNames.Order(StringComparer.Ordinal)];
    }

    private static async Task<List<int>> TokensAsync(IAsyncEnumerable<GenerationEvent> events)
    {
        var tokens = new List<int>();
        await foreach (var generationEvent in events)
        {
            tokens.AddRange((generationEvent as GeneratedText)?.TokenIds ?? []);
        }

        return tokens;
    }

    private async Task<(int ExitCode, string StandardOutput, string Output)> RunAsync(params string[] arguments)
    {
        await using var node = HerdService.Start("Herd.Node", arguments, new Dictionary<string, string> { ["HERD_MODEL_CACHE"] = _modelCache });
        var exitCode = await node.WaitForExitAsync(HerdService.StartTimeout);
        return (exitCode, node.StandardOutput, node.Output);
    }

    [GeneratedRegex("loss by epoch (?<losses>[0-9. >-]+)")]
    private static partial Regex LossLine();
}
