using Herd.Node.Adapters;
using Herd.Node.Model.Lora;
using Herd.Node.Weights;
using Herd.Tests.Node.Engine;
using static TorchSharp.torch;

namespace Herd.Tests.Node.Adapters;

/// <summary>Reading PEFT adapter folders, and the errors for folders that do not fit the model.</summary>
public sealed class PeftAdapterTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("herd-adapters-").FullName;

    [Fact]
    public void SavedAdapter_LoadsAgain_WithPeftNamesAndConfig()
    {
        var config = RandomModel.Config();
        var folder = TestAdapters.Write(_folder, "qv", config, rank: 4, alpha: 16, [LoraModule.QProj, LoraModule.VProj], seed: 3, rslora: true);

        using var adapter = PeftAdapter.Load(folder, "qv", config, float32, CPU);
        using var weights = SafetensorsFile.Open(Path.Combine(folder, PeftAdapter.WeightsFileName));

        Assert.Equal("qv", adapter.Name);
        Assert.Contains("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight", weights.TensorNames);
        Assert.Equal([4L, 32L], weights.GetTensorInfo("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").Shape);
        Assert.NotNull(adapter.Site(0, LoraSite.Qkv));
        Assert.Null(adapter.Site(0, LoraSite.GateUp));
        var settings = AdapterConfig.Load(folder);
        Assert.True(settings.UseRslora);
        Assert.Equal(16 / 2.0, settings.Scale(LoraModule.QProj, 0, 4));
    }

    [Fact]
    public void AdapterForAnotherHiddenSize_IsRefused_NamingTheShapes()
    {
        var folder = TestAdapters.Write(_folder, "wide", RandomModel.Config() with { HiddenSize = 48, HeadDim = 8 }, rank: 2, alpha: 2, [LoraModule.OProj], seed: 1);

        var error = Assert.Throws<AdapterLoadException>(() => PeftAdapter.Load(folder, "wide", RandomModel.Config(), float32, CPU));

        Assert.Contains("o_proj of layer 0 has lora_A [2, 32] and lora_B [48, 2]", error.Message);
        Assert.Contains("takes 32 features to 32", error.Message);
    }

    [Fact]
    public void AdapterForMoreLayers_IsRefused()
    {
        var folder = TestAdapters.Write(_folder, "deep", RandomModel.Config(layers: 3), rank: 2, alpha: 2, [LoraModule.DownProj], seed: 1);

        var error = Assert.Throws<AdapterLoadException>(() => PeftAdapter.Load(folder, "deep", RandomModel.Config(layers: 2), float32, CPU));

        Assert.Contains("adapts layer 2, but the base model has 2 layers", error.Message);
    }

    [Theory]
    [InlineData("\"peft_type\": \"LORA\"", "\"peft_type\": \"PREFIX_TUNING\"", "Herd applies LoRA adapters only")]
    [InlineData("\"use_dora\": false", "\"use_dora\": true", "not DoRA")]
    [InlineData("\"bias\": \"none\"", "\"bias\": \"all\"", "bias is 'all'")]
    [InlineData("\"modules_to_save\": null", "\"modules_to_save\": [\"lm_head\"]", "modules_to_save lists lm_head")]
    [InlineData("\"q_proj\"", "\"embed_tokens\"", "target_modules names embed_tokens")]
    [InlineData("\"r\": 4", "\"r\": \"four\"", "is not a valid adapter_config.json")]
    [InlineData("\"r\": 4", "\"r\": 0", "r is 0")]
    public void InvalidConfig_IsRefused_SayingWhy(string from, string to, string expected)
    {
        var folder = TestAdapters.Write(_folder, "bad", RandomModel.Config(), rank: 4, alpha: 8, [LoraModule.QProj], seed: 1);
        var path = Path.Combine(folder, AdapterConfig.FileName);
        var text = File.ReadAllText(path);
        Assert.Contains(from, text);
        File.WriteAllText(path, text.Replace(from, to, StringComparison.Ordinal));

        var error = Assert.Throws<AdapterLoadException>(() => PeftAdapter.Load(folder, "bad", RandomModel.Config(), float32, CPU));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void MissingMatrixOrStrangeTensor_IsRefused()
    {
        var config = RandomModel.Config();
        var (a, b) = (zeros(2, 32), zeros(64, 2));
        var noB = Path.Combine(_folder, "no-b");
        Directory.CreateDirectory(noB);
        File.WriteAllText(Path.Combine(noB, AdapterConfig.FileName), new AdapterSettings(2, 2, [LoraModule.GateProj], false, "m").ToJson());
        SafetensorsWriter.Write(Path.Combine(noB, PeftAdapter.WeightsFileName), [KeyValuePair.Create(PeftAdapter.TensorName(0, LoraModule.GateProj, 'A'), a)]);
        var strange = Path.Combine(_folder, "strange");
        Directory.CreateDirectory(strange);
        File.WriteAllText(Path.Combine(strange, AdapterConfig.FileName), new AdapterSettings(2, 2, [LoraModule.GateProj], false, "m").ToJson());
        SafetensorsWriter.Write(Path.Combine(strange, PeftAdapter.WeightsFileName), [KeyValuePair.Create("base_model.model.lm_head.lora_A.weight", a), KeyValuePair.Create("base_model.model.lm_head.lora_B.weight", b)]);

        var missing = Assert.Throws<AdapterLoadException>(() => PeftAdapter.Load(noB, "no-b", config, float32, CPU));
        var unknown = Assert.Throws<AdapterLoadException>(() => PeftAdapter.Load(strange, "strange", config, float32, CPU));

        Assert.Contains("gate_proj.lora_B.weight' is missing", missing.Message);
        Assert.Contains("tensor 'base_model.model.lm_head.lora_A.weight' is not a LoRA matrix Herd applies", unknown.Message);
    }

    [Fact]
    public void FolderWithoutFiles_IsRefused()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_folder, "empty")).FullName;

        Assert.Contains("does not exist", Assert.Throws<AdapterLoadException>(() => PeftAdapter.Load(Path.Combine(_folder, "none"), "none", RandomModel.Config(), float32, CPU)).Message);
        Assert.Contains("has no adapter_config.json", Assert.Throws<AdapterLoadException>(() => PeftAdapter.Load(empty, "empty", RandomModel.Config(), float32, CPU)).Message);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
