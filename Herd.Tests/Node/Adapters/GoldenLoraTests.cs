using Herd.Node.Adapters;
using Herd.Node.Engine;
using Herd.Node.Model;
using Herd.Node.Model.Lora;
using Herd.Node.Models;
using Herd.Node.Weights;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace Herd.Tests.Node.Adapters;

/// <summary>
/// Adapters made independently in PyTorch (eng/golden/make_golden.py, in float64), applied
/// unmerged by Herd, against the logits of the same adapters merged into the base weights.
/// </summary>
public sealed class GoldenLoraTests
{
    // The reference's float64 against the engine's float32, as for the base models' golden logits.
    private const double Tolerance = 1e-5;

    [Theory]
    [InlineData("llama-gqa", "all")]
    [InlineData("llama-gqa", "qv")]
    [InlineData("llama-gqa", "mlp")]
    [InlineData("qwen2-bias", "all")]
    [InlineData("qwen2-bias", "qv")]
    public void Adapter_MatchesTheReferenceMerge(string checkpoint, string adapterName)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (folder, config, model) = Load(checkpoint);
        using var adapter = PeftAdapter.Load(Path.Combine(folder, "adapters", adapterName), adapterName, config, float32, CPU);

        AssertMatches(model, config, folder, AdapterBlend.Of(adapter), $"logits.{adapterName}");
        model.Dispose();
    }

    [Theory]
    [InlineData("llama-gqa")]
    [InlineData("qwen2-bias")]
    public void BlendOfTwoAdapters_MatchesTheReferenceBlend(string checkpoint)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (folder, config, model) = Load(checkpoint);
        using var all = PeftAdapter.Load(Path.Combine(folder, "adapters", "all"), "all", config, float32, CPU);
        using var qv = PeftAdapter.Load(Path.Combine(folder, "adapters", "qv"), "qv", config, float32, CPU);

        AssertMatches(model, config, folder, new AdapterBlend([new WeightedAdapter(all, 0.7), new WeightedAdapter(qv, 0.3)]), "logits.blend");
        model.Dispose();
    }

    /// <summary>
    /// An adapter Herd's finetune wrote, read by the reference (which checks its config and tensors
    /// against PEFT's conventions) and merged into herd-tiny there: Herd reads its own file back to
    /// the same logits, and herd-tiny, generated on the spot, is the model the reference read.
    /// </summary>
    [Fact]
    public void AdapterHerdWrote_GivesTheLogitsTheReferenceComputedFromIt()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var cache = Directory.CreateTempSubdirectory("herd-models-").FullName;
        try
        {
            var modelFolder = new ModelLocator(cache, NullLogger<ModelLocator>.Instance).Locate("herd-tiny");
            var config = ModelConfig.Load(modelFolder);
            using var model = ModelLoader.Load(modelFolder, config, maxPositions: 64, float32, CPU);
            var folder = Path.Combine(AppContext.BaseDirectory, "Golden", "herd-tiny-finetuned");
            using var adapter = PeftAdapter.Load(Path.Combine(folder, "adapter"), "finetuned", config, float32, CPU);
            using var golden = SafetensorsFile.Open(Path.Combine(folder, "golden.safetensors"));

            AssertMatches(model, config, golden, null, "logits.base");
            AssertMatches(model, config, golden, AdapterBlend.Of(adapter), "logits.adapter");
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    private static (string Folder, ModelConfig Config, CausalLanguageModel Model) Load(string checkpoint)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "Golden", checkpoint);
        var config = ModelConfig.Load(folder);
        return (folder, config, ModelLoader.Load(folder, config, maxPositions: 64, float32, CPU));
    }

    private static void AssertMatches(CausalLanguageModel model, ModelConfig config, string folder, AdapterBlend adapters, string expectedName)
    {
        using var golden = SafetensorsFile.Open(Path.Combine(folder, "adapters", "golden.safetensors"));
        AssertMatches(model, config, golden, adapters, expectedName);
    }

    private static void AssertMatches(CausalLanguageModel model, ModelConfig config, SafetensorsFile golden, AdapterBlend? adapters, string expectedName)
    {
        var inputIds = golden.Load("input_ids", int64, CPU);
        var expected = golden.Load(expectedName, float32, CPU);
        using var cache = new KvCache(config, slots: 1, maxLength: 64, float32, CPU);
        using var context = model.PrefillContext(cache, 0, 0, (int)inputIds.shape[0], adapters);

        var logits = model.Forward(inputIds.unsqueeze(0), context, lastTokenOnly: false)[0];

        var relative = (logits - expected).abs().max().item<float>() / expected.abs().max().item<float>();
        Assert.True(relative <= Tolerance, $"{golden.Path} {expectedName}: max |difference| / max |expected| = {relative:E2}");
    }
}
