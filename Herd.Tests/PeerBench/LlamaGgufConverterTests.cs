using Herd.Node.Engine;
using Herd.Node.Model;
using Herd.Node.Models;
using Herd.Node.Serving;
using Herd.PeerBench.CrossCheck;
using Herd.PeerBench.Gguf;
using Herd.PeerBench.HerdSide;
using Herd.PeerBench.LlamaCpp;
using LLama.Native;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herd.Tests.PeerBench;

/// <summary>
/// A checkpoint converted to GGUF F32 holds exactly Herd's float32 weights, so llama.cpp must
/// decode it as Herd does: at every step of Herd's greedy output, the same log-probabilities of
/// the likeliest tokens and the same choice. The rotary row order, the rope factors, the tied
/// head and the tokenizer are each visible in those.
/// </summary>
public sealed class LlamaGgufConverterTests : IDisposable
{
    private const int Steps = 16;
    private const int TopLogprobs = 5;

    // llama.cpp's fused attention rounds through half precision; without it both engines compute in float32.
    private static readonly LlamaCppOptions ExactFloat32 = new(Threads: 2, Sequences: 1, ContextPerSequence: 256, FlashAttention: LLamaFlashAttentionType.LLAMA_FLASH_ATTENTION_TYPE_DISABLED);

    private readonly string _root = Directory.CreateTempSubdirectory("herd-gguf-").FullName;

    public static TheoryData<string> Variants => ["tied", "untied", "herd-1b's: llama3 rope scaling, padded vocabulary"];

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task Convert_F32_LlamaCppDecodesGreedilyAsHerdDoes(string variant)
    {
        var folder = Path.Combine(_root, "model");
        SyntheticCheckpoint.Write(Variant(variant), folder);
        var gguf = Path.Combine(_root, "model.f32.gguf");

        LlamaGgufConverter.Convert(folder, gguf, GgufWeightFormat.F32);

        await using var herd = LoadHerd(folder);
        using var llama = LlamaCppModel.Load(gguf, ExactFloat32);
        Assert.Equal(herd.Config.VocabSize, llama.VocabularySize);
        foreach (var prompt in Prompts(herd))
        {
            var herdTokens = await HerdGreedy.GenerateSampledAsync(herd.Engine, prompt, Steps, TopLogprobs);
            var llamaLogits = new List<float[]>();
            var llamaChoices = LlamaCppGreedy.Follow(llama, prompt, [.. herdTokens.Select(token => token.TokenId)], llamaLogits);

            var decided = 0;
            for (var step = 0; step < Steps; step++)
            {
                var llamaLogprobs = LogSoftmax(llamaLogits[step]);
                var top = herdTokens[step].TopLogprobs!;
                foreach (var (token, logprob) in top)
                {
                    Assert.True(Math.Abs(llamaLogprobs[token] - logprob) < 1e-4,
                        $"{variant}, step {step}, token {token}: Herd's log-probability {logprob}, llama.cpp's {llamaLogprobs[token]}");
                }

                // Two engines that add in different orders may pick either of two tokens whose
                // scores are a rounding error apart; every clear choice must be the same.
                if (top[0].Logprob - top[1].Logprob > 1e-4)
                {
                    decided++;
                    Assert.True(herdTokens[step].TokenId == llamaChoices[step],
                        $"{variant}, step {step}: Herd chose {herdTokens[step].TokenId}, llama.cpp {llamaChoices[step]}");
                }
            }

            Assert.InRange(decided, Steps - 2, Steps);
        }
    }

    [Fact]
    public async Task Convert_Tokenizer_LlamaCppTokenizesTextAsHerdDoes()
    {
        var folder = Path.Combine(_root, "tiny");
        SyntheticCheckpoint.Write(BuiltInModels.HerdTiny, folder);
        var gguf = Path.Combine(_root, "tiny.f32.gguf");
        LlamaGgufConverter.Convert(folder, gguf, GgufWeightFormat.F32);

        await using var herd = LoadHerd(folder);
        using var llama = LlamaCppModel.Load(gguf, ExactFloat32);

        foreach (var text in GreedyCrossCheck.Texts.Append("  Tabs\tand\nnew lines, 12345 numbers; don't stop!"))
        {
            Assert.Equal(herd.Tokenizer.Encode(text), llama.Tokenize(text));
        }
    }

    [Theory]
    [InlineData("bf16", 2)]
    [InlineData("q8_0", 34.0 / 32)]
    public async Task Convert_BF16AndQ8_LoadInLlamaCpp_NearHerdsLogits(string format, double bytesPerMatrixValue)
    {
        var folder = Path.Combine(_root, "tiny");
        SyntheticCheckpoint.Write(BuiltInModels.HerdTiny, folder);
        var gguf = Path.Combine(_root, $"tiny.{format}.gguf");

        LlamaGgufConverter.Convert(folder, gguf, GgufWeightFormat.Parse(format));

        await using var herd = LoadHerd(folder);
        using var llama = LlamaCppModel.Load(gguf, ExactFloat32);
        var matrixValues = herd.ParameterCount - (herd.Config.HiddenSize * ((2 * herd.Config.NumHiddenLayers) + 1));
        Assert.InRange(llama.ModelBytes, (ulong)(matrixValues * bytesPerMatrixValue), (ulong)(matrixValues * bytesPerMatrixValue * 1.05));
        var prompt = herd.Tokenizer.Encode(GreedyCrossCheck.Texts[1]);
        var herdFirst = (await HerdGreedy.GenerateSampledAsync(herd.Engine, prompt, 1, TopLogprobs))[0];
        var llamaLogits = new List<float[]>();
        LlamaCppGreedy.Generate(llama, prompt, 1, llamaLogits);
        var llamaLogprobs = LogSoftmax(llamaLogits[0]);

        // Rounded weights move the logits a little, never far.
        Assert.All(herdFirst.TopLogprobs!, top => Assert.InRange(llamaLogprobs[top.TokenId] - top.Logprob, -0.05, 0.05));
    }

    [Fact]
    public void Convert_AModelOtherThanLlama_SaysWhatItWrites()
    {
        var error = Assert.Throws<NotSupportedException>(() =>
            LlamaGgufConverter.Convert(Golden("qwen2-bias"), Path.Combine(_root, "qwen.gguf"), GgufWeightFormat.F32));

        Assert.Contains("Llama models only", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_root, "qwen.gguf")));
    }

    [Fact]
    public void Convert_AFolderWithoutATokenizer_SaysWhatItNeeds()
    {
        var error = Assert.Throws<NotSupportedException>(() =>
            LlamaGgufConverter.Convert(Golden("llama-gqa"), Path.Combine(_root, "gqa.gguf"), GgufWeightFormat.F32));

        Assert.Contains("no byte-level BPE tokenizer.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AnUnknownFormat_ListsTheKnownOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => GgufWeightFormat.Parse("q4_k"));

        Assert.Contains("f32, bf16, q8_0", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static BuiltInModel Variant(string variant) => variant switch
    {
        "tied" => BuiltInModels.HerdTiny,
        "untied" => BuiltInModels.HerdTiny with { Config = BuiltInModels.HerdTiny.Config with { TieWordEmbeddings = false } },

        // Llama 3's rope scaling with a short original context, so that it changes most
        // frequencies within a few positions, and more embedding rows than tokens.
        _ => BuiltInModels.HerdTiny with
        {
            Config = BuiltInModels.HerdTiny.Config with
            {
                VocabSize = 640,
                RopeScaling = new RopeScaling { RopeType = "llama3", Factor = 8, LowFreqFactor = 1, HighFreqFactor = 4, OriginalMaxPositionEmbeddings = 64 },
            },
        },
    };

    private static ServedModel LoadHerd(string folder) =>
        ServedModel.Load("model", folder, new ServedModelOptions { Device = "cpu", Engine = new EngineOptions { MaxSequences = 2, MaxContextLength = 256 } }, NullLoggerFactory.Instance);

    private static IEnumerable<IReadOnlyList<int>> Prompts(ServedModel herd) =>
    [
        herd.Tokenizer.Encode(GreedyCrossCheck.Texts[0]),
        herd.Tokenizer.Encode(GreedyCrossCheck.Texts[1]),

        // Ids over the whole embedding, padding rows included.
        [.. Enumerable.Range(0, 24).Select(i => ((i * 104729) + 7) % herd.Config.VocabSize)],
    ];

    private static double[] LogSoftmax(float[] logits)
    {
        var max = logits.Max();
        var logSum = Math.Log(logits.Sum(logit => Math.Exp(logit - max))) + max;
        return [.. logits.Select(logit => logit - logSum)];
    }

    private static string Golden(string checkpoint) => Path.Combine(AppContext.BaseDirectory, "Golden", checkpoint);
}
