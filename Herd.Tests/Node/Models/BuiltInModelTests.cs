using System.Text.Json.Nodes;
using Herd.Node.Engine;
using Herd.Node.Model;
using Herd.Node.Models;
using Herd.Node.Serving;
using Herd.Node.Tokenization;
using Herd.Node.Weights;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;

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
    public void Herd1B_IsShapedLikeLlama32OneB_AndStoredInBF16()
    {
        var model = BuiltInModels.Herd1B;
        var tensors = SyntheticCheckpoint.TensorNames(model.Config).ToDictionary(tensor => tensor.Name, tensor => tensor.Shape);

        // Llama 3.2 1B's own count: tied embeddings, so no lm_head.
        Assert.Equal(1_235_814_400, tensors.Values.Sum(shape => shape.Aggregate(1L, (product, dim) => product * dim)));
        Assert.Equal(2 + (16 * 9), tensors.Count);
        Assert.DoesNotContain("lm_head.weight", tensors.Keys);
        Assert.Equal([128256L, 2048L], tensors["model.embed_tokens.weight"]);
        Assert.Equal([2048L, 2048L], tensors["model.layers.15.self_attn.q_proj.weight"]);
        Assert.Equal([512L, 2048L], tensors["model.layers.15.self_attn.k_proj.weight"]);
        Assert.Equal([8192L, 2048L], tensors["model.layers.0.mlp.gate_proj.weight"]);
        Assert.Equal([2048L, 8192L], tensors["model.layers.0.mlp.down_proj.weight"]);
        Assert.Equal(SafetensorsDType.BF16, model.WeightDType);
        Assert.Equal(64, model.Config.HeadDimension);
        Assert.Equal(("llama3", 32d, 1d, 4d, 8192), (model.Config.RopeScaling!.Kind, model.Config.RopeScaling.Factor,
            model.Config.RopeScaling.LowFreqFactor, model.Config.RopeScaling.HighFreqFactor, model.Config.RopeScaling.OriginalMaxPositionEmbeddings));
        Assert.Equal((500000d, 1e-5, 8192), (model.Config.RopeTheta, model.Config.RmsNormEps, model.Config.MaxPositionEmbeddings));
    }

    [Fact]
    public async Task Write_InBF16_StoresTheSameDrawsRounded_AndTheModelServes()
    {
        var (f32, bf16) = (Path.Combine(_root, "f32"), Path.Combine(_root, "bf16"));
        SyntheticCheckpoint.Write(BuiltInModels.HerdTiny, f32);
        SyntheticCheckpoint.Write(BuiltInModels.HerdTiny with { WeightDType = SafetensorsDType.BF16 }, bf16);

        using (var full = SafetensorsFile.Open(Path.Combine(f32, Checkpoint.SingleFileName)))
        using (var half = SafetensorsFile.Open(Path.Combine(bf16, Checkpoint.SingleFileName)))
        {
            Assert.All(half.Tensors, info => Assert.Equal(SafetensorsDType.BF16, info.DType));
            foreach (var name in full.TensorNames)
            {
                using var rounded = full.Load(name, torch.ScalarType.BFloat16, torch.CPU);
                using var stored = half.Load(name, torch.ScalarType.BFloat16, torch.CPU);
                Assert.True(rounded.eq(stored).all().item<bool>(), name);
            }
        }

        await AssertServesAsync(bf16);
    }

    [Fact]
    public async Task Load_WithAModelVocabularyLargerThanTheTokenizers_Serves()
    {
        // herd-1b's case: a 128256-row embedding under herd-tiny's 512-token tokenizer.
        var folder = Path.Combine(_root, "wide");
        SyntheticCheckpoint.Write(BuiltInModels.HerdTiny with { Config = BuiltInModels.HerdTiny.Config with { VocabSize = 700 } }, folder);

        await AssertServesAsync(folder);
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

    private static async Task AssertServesAsync(string folder)
    {
        await using var served = ServedModel.Load("x", folder, new ServedModelOptions { Device = "cpu" }, NullLoggerFactory.Instance);
        var greedy = new SamplingParameters { Temperature = 0, MaxTokens = 3, IgnoreEndOfSequence = true };

        var finished = await LastEventAsync(served.GenerateAsync("x", PromptInput.FromText("Hello"), greedy));

        Assert.Equal(3, Assert.IsType<GenerationFinished>(finished).CompletionTokens);
    }

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
