using System.Text.Json.Nodes;
using Herd.Node.Engine;
using Herd.Node.Model;
using Herd.Node.Models;
using Herd.Node.Serving;
using Herd.Node.Tokenization;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herd.Tests.Node.Models;

public sealed class BuiltInModelTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("herd-built-in-").FullName;

    [Fact]
    public void HerdTiny_IsTheSameByteForByte_EveryTimeItIsGenerated()
    {
        var (first, second) = (Path.Combine(_root, "a"), Path.Combine(_root, "b"));
        SyntheticCheckpoint.Write(BuiltInModels.HerdTiny, first);
        SyntheticCheckpoint.Write(BuiltInModels.HerdTiny, second);

        var files = Directory.GetFiles(first).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"], files);
        Assert.All(files, file => Assert.Equal(File.ReadAllBytes(Path.Combine(first, file!)), File.ReadAllBytes(Path.Combine(second, file!))));
    }

    [Fact]
    public void HerdBench_HasMoreThanFiftyMillionParameters()
    {
        var parameters = SyntheticCheckpoint.TensorNames(BuiltInModels.HerdBench.Config)
            .Sum(tensor => tensor.Shape.Aggregate(1L, (product, dim) => product * dim));

        Assert.InRange(parameters, 50_000_000, 70_000_000);
    }

    [Fact]
    public void Locate_GeneratesABuiltInModelOnce_AndGivesFoldersAsTheyAre()
    {
        var locator = new ModelLocator(Path.Combine(_root, "cache"), NullLogger<ModelLocator>.Instance);

        var folder = locator.Locate("herd-tiny");
        var written = File.GetLastWriteTimeUtc(Path.Combine(folder, "model.safetensors"));
        var again = locator.Locate("HERD-TINY");

        Assert.Equal(folder, again);
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(again, "model.safetensors")));
        Assert.Equal(folder, locator.Locate(folder));
        Assert.Empty(Directory.GetDirectories(Path.Combine(_root, "cache"), "*.partial"));
        var missing = Assert.Throws<DirectoryNotFoundException>(() => locator.Locate(Path.Combine(_root, "nowhere")));
        Assert.Contains("herd-tiny, herd-bench", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_IsRenderedWithTheModelsTemplate_AndRefusedWhereItHasNone()
    {
        var folder = Path.Combine(_root, "tiny");
        SyntheticCheckpoint.Write(BuiltInModels.HerdTiny, folder);
        ChatTurn[] chat = [new(ChatTurn.SystemRole, "Be brief."), new(ChatTurn.UserRole, "Hello?")];
        var greedy = new SamplingParameters { Temperature = 0, MaxTokens = 4 };

        await using (var served = ServedModel.Load("tiny", folder, new ServedModelOptions { Device = "cpu" }, NullLoggerFactory.Instance))
        {
            var finished = await LastEventAsync(served.GenerateAsync("chat", PromptInput.FromChat(chat), greedy));
            var expectedPrompt = served.Tokenizer.Encode(served.Tokenizer.ChatTemplate!.Render(chat, addGenerationPrompt: true));
            Assert.Equal(expectedPrompt.Count, Assert.IsType<GenerationFinished>(finished).PromptTokens);
            Assert.Equal(1, expectedPrompt.Count(id => id == HerdTinyTokenizer.BeginOfTextId));
        }

        var configPath = Path.Combine(folder, "tokenizer_config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config.Remove("chat_template");
        File.WriteAllText(configPath, config.ToJsonString());
        await using var withoutTemplate = ServedModel.Load("tiny", folder, new ServedModelOptions { Device = "cpu" }, NullLoggerFactory.Instance);

        var error = Assert.Throws<InvalidRequestException>(() => withoutTemplate.GenerateAsync("chat", PromptInput.FromChat(chat), greedy));
        Assert.Contains("has no chat template", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WithATokenizerLargerThanTheModel_SaysTheyDoNotBelongTogether()
    {
        var folder = Path.Combine(_root, "mismatch");
        SyntheticCheckpoint.Write(BuiltInModels.HerdTiny with { Config = BuiltInModels.HerdTiny.Config with { VocabSize = 300 } }, folder);

        var error = Assert.Throws<ModelLoadException>(() => ServedModel.Load("x", folder, new ServedModelOptions { Device = "cpu" }, NullLoggerFactory.Instance));

        Assert.Contains("do not belong together", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static async Task<GenerationEvent?> LastEventAsync(IAsyncEnumerable<GenerationEvent> events)
    {
        GenerationEvent? last = null;
        await foreach (var generationEvent in events)
        {
            last = generationEvent;
        }

        return last;
    }
}
