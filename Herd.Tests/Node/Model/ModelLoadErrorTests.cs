using System.Text.Json.Nodes;
using Herd.Node.Model;
using Herd.Node.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Tests.Node.Model;

/// <summary>Folders that cannot be served are refused at load with a message naming what is wrong.</summary>
public sealed class ModelLoadErrorTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("herd-bad-model-").FullName;

    public ModelLoadErrorTests()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Golden", "llama-gqa")))
        {
            File.Copy(file, Path.Combine(_folder, Path.GetFileName(file)));
        }
    }

    [Fact]
    public void UnsupportedArchitecture_IsNamedWithTheSupportedOnes()
    {
        EditConfig(config => config["architectures"] = new JsonArray("GPT2LMHeadModel"));

        var error = Assert.Throws<ModelLoadException>(() => ModelConfig.Load(_folder));

        Assert.Contains("Unsupported architecture 'GPT2LMHeadModel'", error.Message, StringComparison.Ordinal);
        Assert.Contains("LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hidden_act", "gelu", "hidden_act 'gelu' is not supported")]
    [InlineData("num_key_value_heads", 3, "num_key_value_heads must divide num_attention_heads")]
    [InlineData("mlp_bias", true, "mlp_bias true is not supported")]
    public void UnsupportedSetting_IsNamed(string field, object value, string expected)
    {
        EditConfig(config => config[field] = JsonValue.Create(value));

        var error = Assert.Throws<ModelLoadException>(() => ModelConfig.Load(_folder));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingTensor_IsNamedWithTheFolder()
    {
        var path = Path.Combine(_folder, Checkpoint.SingleFileName);
        using (var scope = NewDisposeScope())
        {
            List<KeyValuePair<string, Tensor>> kept;
            using (var file = SafetensorsFile.Open(path))
            {
                kept = [.. file.TensorNames.Where(name => name != "model.layers.1.mlp.up_proj.weight")
                    .Select(name => KeyValuePair.Create(name, file.Load(name, float32, CPU)))];
            }

            SafetensorsWriter.Write(path, kept);
        }

        var config = ModelConfig.Load(_folder);
        var error = Assert.Throws<ModelLoadException>(() => ModelLoader.Load(_folder, config, 32, float32, CPU));

        Assert.Contains("model.layers.1.mlp.up_proj.weight is missing from", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private void EditConfig(Action<JsonObject> edit)
    {
        var path = Path.Combine(_folder, ModelConfig.FileName);
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(config);
        File.WriteAllText(path, config.ToJsonString());
    }
}
