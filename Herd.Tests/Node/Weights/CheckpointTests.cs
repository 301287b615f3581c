using Herd.Node.Model;
using Herd.Node.Weights;
using TorchSharp;

namespace Herd.Tests.Node.Weights;

public sealed class CheckpointTests : IDisposable
{
    private const string Shard1 = "model-00001-of-00002.safetensors";
    private const string Shard2 = "model-00002-of-00002.safetensors";

    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void Open_SingleFile_LoadsItsTensors()
    {
        Write("model.safetensors", ("model.norm.weight", 1f), ("lm_head.weight", 2f));

        using var checkpoint = Checkpoint.Open(_scratch.Path);

        Assert.Equal(["lm_head.weight", "model.norm.weight"], checkpoint.TensorNames.Order());
        Assert.Equal([_scratch.File("model.safetensors")], checkpoint.Files);
        Assert.Equal([2f, 2f], checkpoint.Load("lm_head.weight", torch.ScalarType.Float32, torch.CPU).data<float>().ToArray());
    }

    [Fact]
    public void Open_ShardedByAnIndex_LoadsTensorsFromEachShard()
    {
        WriteShardedCheckpoint();

        using var checkpoint = Checkpoint.Open(_scratch.Path);
        var embedding = checkpoint.Load("model.embed_tokens.weight", torch.ScalarType.Float32, torch.CPU);
        var head = checkpoint.Load("lm_head.weight", torch.ScalarType.Float32, torch.CPU);

        Assert.Equal(3, checkpoint.TensorNames.Count);
        Assert.True(checkpoint.Contains("model.norm.weight"));
        Assert.Equal([1f, 1f], embedding.data<float>().ToArray());
        Assert.Equal([3f, 3f], head.data<float>().ToArray());
        Assert.Equal([_scratch.File(Shard1), _scratch.File(Shard2)], checkpoint.Files.Order());
    }

    [Fact]
    public void Open_IndexBesideOtherSafetensors_ReadsOnlyWhatTheIndexNames()
    {
        WriteShardedCheckpoint();
        Write("consolidated.safetensors", ("extra", 9f));

        using var checkpoint = Checkpoint.Open(_scratch.Path);

        Assert.False(checkpoint.Contains("extra"));
        Assert.DoesNotContain(_scratch.File("consolidated.safetensors"), checkpoint.Files);
    }

    [Fact]
    public void Open_NeitherModelFileNorIndex_FallsBackToEverySafetensorsFile()
    {
        Write("b.safetensors", ("model.norm.weight", 1f));
        Write("a.safetensors", ("lm_head.weight", 2f));

        using var checkpoint = Checkpoint.Open(_scratch.Path);

        Assert.Equal(["lm_head.weight", "model.norm.weight"], checkpoint.TensorNames.Order());
        Assert.Equal([1f, 1f], checkpoint.Load("model.norm.weight", torch.ScalarType.Float32, torch.CPU).data<float>().ToArray());
        var error = Assert.Throws<ModelLoadException>(() => checkpoint.Load("q_proj.weight", torch.ScalarType.Float32, torch.CPU));
        Assert.Equal($"q_proj.weight is missing from {_scratch.Path} (checked a.safetensors, b.safetensors).", error.Message);
    }

    [Fact]
    public void Load_TensorNotInTheIndex_NamesTensorFolderAndIndex()
    {
        WriteShardedCheckpoint();
        using var checkpoint = Checkpoint.Open(_scratch.Path);

        var error = Assert.Throws<ModelLoadException>(() =>
            checkpoint.Load("model.layers.3.self_attn.q_proj.weight", torch.ScalarType.Float32, torch.CPU));

        Assert.Equal(
            $"model.layers.3.self_attn.q_proj.weight is missing from {_scratch.Path} (checked model.safetensors.index.json).",
            error.Message);
    }

    [Fact]
    public void GetTensorInfo_TensorNotInTheSingleFile_NamesModelSafetensors()
    {
        Write("model.safetensors", ("model.norm.weight", 1f));
        using var checkpoint = Checkpoint.Open(_scratch.Path);

        var error = Assert.Throws<ModelLoadException>(() => checkpoint.GetTensorInfo("lm_head.weight"));

        Assert.Equal($"lm_head.weight is missing from {_scratch.Path} (checked model.safetensors).", error.Message);
        Assert.Equal([2L], checkpoint.GetTensorInfo("model.norm.weight").Shape);
    }

    [Fact]
    public void Open_ShardNamedInTheIndexMissing_NamesTheShard()
    {
        WriteShardedCheckpoint();
        File.Delete(_scratch.File(Shard2));

        var error = Assert.Throws<ModelLoadException>(() => Checkpoint.Open(_scratch.Path));

        Assert.Equal(
            $"{Shard2}, named in model.safetensors.index.json, does not exist in {_scratch.Path}; the checkpoint is incomplete.",
            error.Message);
    }

    [Fact]
    public void Open_IndexPutsATensorInAShardWithoutIt_Throws()
    {
        Write(Shard1, ("model.embed_tokens.weight", 1f));
        WriteIndex("""{"model.embed_tokens.weight": "model-00001-of-00002.safetensors", "lm_head.weight": "model-00001-of-00002.safetensors"}""");

        var error = Assert.Throws<ModelLoadException>(() => Checkpoint.Open(_scratch.Path));

        Assert.Equal(
            $"model.safetensors.index.json in {_scratch.Path} puts lm_head.weight in {Shard1}, but that shard does not hold it.",
            error.Message);
    }

    [Theory]
    [InlineData("{\"weight_map\": ", "is not valid JSON")]
    [InlineData("""{"metadata": {}}""", "has no weight_map object naming the shard of each tensor")]
    [InlineData("""{"weight_map": {}}""", "has an empty weight_map")]
    [InlineData("""{"weight_map": {"w": 3}}""", "the shard of 'w' must be a file name, not 3")]
    [InlineData("""{"weight_map": {"w": "../outside.safetensors"}}""", "names shard '../outside.safetensors', which lies outside the model folder")]
    public void Open_MalformedIndex_ThrowsNamingTheIndex(string index, string problem)
    {
        File.WriteAllText(_scratch.File(Checkpoint.IndexFileName), index);

        var error = Assert.Throws<ModelLoadException>(() => Checkpoint.Open(_scratch.Path));

        Assert.StartsWith(_scratch.File(Checkpoint.IndexFileName), error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_FolderWithoutSafetensors_SaysWhatAFolderNeeds()
    {
        File.WriteAllText(_scratch.File("config.json"), "{}");

        var error = Assert.Throws<ModelLoadException>(() => Checkpoint.Open(_scratch.Path));

        Assert.Equal(
            $"{_scratch.Path} holds no weights: a model folder needs model.safetensors, or model.safetensors.index.json and the shards it names.",
            error.Message);
    }

    [Fact]
    public void Open_MissingFolder_ThrowsNamingIt()
    {
        var missing = _scratch.File("nothing-here");

        var error = Assert.Throws<ModelLoadException>(() => Checkpoint.Open(missing));

        Assert.Equal($"Model folder {missing} does not exist.", error.Message);
    }

    [Fact]
    public void Open_TensorInTwoFallbackFiles_NamesBoth()
    {
        Write("a.safetensors", ("lm_head.weight", 1f));
        Write("b.safetensors", ("lm_head.weight", 2f));

        var error = Assert.Throws<ModelLoadException>(() => Checkpoint.Open(_scratch.Path));

        Assert.Equal(
            $"lm_head.weight is in both a.safetensors and b.safetensors in {_scratch.Path}; keep one copy of the weights.",
            error.Message);
    }

    [Fact]
    public void Open_MalformedShard_NamesTheShardFile()
    {
        WriteShardedCheckpoint();
        File.WriteAllBytes(_scratch.File(Shard2), [1, 2, 3]);

        var error = Assert.Throws<ModelLoadException>(() => Checkpoint.Open(_scratch.Path));

        Assert.StartsWith(_scratch.File(Shard2), error.Message, StringComparison.Ordinal);
    }

    /// <summary>Two BF16 shards and their index, shaped like a Hugging Face download.</summary>
    private void WriteShardedCheckpoint()
    {
        Write(Shard1, ("model.embed_tokens.weight", 1f), ("model.norm.weight", 2f));
        Write(Shard2, ("lm_head.weight", 3f));
        WriteIndex("""
            {
              "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
              "model.norm.weight": "model-00001-of-00002.safetensors",
              "lm_head.weight": "model-00002-of-00002.safetensors"
            }
            """);
    }

    private void WriteIndex(string weightMap) =>
        File.WriteAllText(_scratch.File(Checkpoint.IndexFileName), $$"""{"metadata": {"total_size": 12}, "weight_map": {{weightMap}}}""");

    /// <summary>Writes each named tensor as two BF16 copies of its value.</summary>
    private void Write(string fileName, params (string Name, float Value)[] tensors) =>
        SafetensorsWriter.Write(
            _scratch.File(fileName),
            tensors.Select(tensor => new KeyValuePair<string, torch.Tensor>(
                tensor.Name, torch.full(2, tensor.Value, dtype: torch.ScalarType.BFloat16))));
}
