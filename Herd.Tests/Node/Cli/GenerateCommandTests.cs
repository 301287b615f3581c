using Herd.Node.Engine;
using Herd.Node.Models;
using Herd.Node.Serving;
using Herd.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herd.Tests.Node.Cli;

public sealed class GenerateCommandTests : IDisposable
{
    private readonly string _modelCache = Directory.CreateTempSubdirectory("herd-models-").FullName;

    [Fact]
    public async Task Generate_PrintsOnlyTheGeneratedText_TheSameAsTheEngineGivesInProcess()
    {
        const string prompt = "The herd moves on to the next valley";
        var first = await RunAsync("generate", "--model", "herd-tiny", "--prompt", prompt, "--max-tokens", "12", "--temperature", "0");
        var second = await RunAsync("generate", "--model", "herd-tiny", "--prompt", prompt, "--max-tokens", "12", "--temperature", "0");

        var folder = new ModelLocator(_modelCache, NullLogger<ModelLocator>.Instance).Locate("herd-tiny");
        await using var served = ServedModel.Load("herd-tiny", folder, new ServedModelOptions { Device = "cpu" }, NullLoggerFactory.Instance);
        var expected = new System.Text.StringBuilder();
        await foreach (var generationEvent in served.GenerateAsync("test", PromptInput.FromText(prompt), new SamplingParameters { Temperature = 0, MaxTokens = 12 }))
        {
            expected.Append((generationEvent as GeneratedText)?.Text);
        }

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(expected + "\n", first.StandardOutput);
        Assert.Equal(first.StandardOutput, second.StandardOutput);
        Assert.DoesNotContain("info:", first.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_WithAnUnknownModel_ExitsWithAnErrorNamingIt()
    {
        var result = await RunAsync("generate", "--model", "no-such-model", "--prompt", "hi");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("No model folder 'no-such-model' exists", result.Output, StringComparison.Ordinal);
        Assert.Empty(result.StandardOutput);
    }

    [Fact]
    public async Task Generate_WithAPromptLongerThanTheContext_ExitsWithTheCounts()
    {
        var result = await RunAsync("generate", "--model", "herd-tiny", "--max-context", "16", "--prompt", string.Join(' ', Enumerable.Repeat("valley", 40)));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("this model serves 16 tokens in all", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_OnCudaWithoutAGpu_ExitsSayingWhatToDo()
    {
        var result = await RunAsync("generate", "--model", "herd-tiny", "--device", "cuda", "--prompt", "hi");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: The device is 'cuda' but TorchSharp reports no CUDA device", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_modelCache, recursive: true);

    private async Task<(int ExitCode, string StandardOutput, string Output)> RunAsync(params string[] arguments)
    {
        await using var node = HerdService.Start("Herd.Node", arguments, new Dictionary<string, string> { ["HERD_MODEL_CACHE"] = _modelCache });
        var exitCode = await node.WaitForExitAsync(HerdService.StartTimeout);
        return (exitCode, node.StandardOutput, node.Output);
    }
}
