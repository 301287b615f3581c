using Herd.Node.Model;

namespace Herd.PeerBench.Gguf;

/// <summary>The general and <c>llama.*</c> keys llama.cpp reads a Llama model's shape from.</summary>
public static class LlamaGgufMetadata
{
    /// <summary>ggml's quantization format version, which llama.cpp checks on quantized files.</summary>
    private const uint QuantizationVersion = 2;

    public static GgufMetadata Create(string name, ModelConfig config, GgufWeightFormat format)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(format);
        return new GgufMetadata()
            .Add("general.architecture", "llama")
            .Add("general.name", name)
            .Add("general.file_type", format.FileType)
            .Add("general.quantization_version", QuantizationVersion)
            .Add("general.alignment", (uint)GgufFileWriter.Alignment)
            .Add("llama.vocab_size", (uint)config.VocabSize)
            .Add("llama.context_length", (uint)config.MaxPositionEmbeddings)
            .Add("llama.embedding_length", (uint)config.HiddenSize)
            .Add("llama.block_count", (uint)config.NumHiddenLayers)
            .Add("llama.feed_forward_length", (uint)config.IntermediateSize)
            .Add("llama.attention.head_count", (uint)config.NumAttentionHeads)
            .Add("llama.attention.head_count_kv", (uint)config.KeyValueHeads)
            .Add("llama.attention.key_length", (uint)config.HeadDimension)
            .Add("llama.attention.value_length", (uint)config.HeadDimension)
            .Add("llama.attention.layer_norm_rms_epsilon", (float)config.RmsNormEps)
            .Add("llama.rope.dimension_count", (uint)config.HeadDimension)
            .Add("llama.rope.freq_base", (float)config.RopeTheta);
    }
}
