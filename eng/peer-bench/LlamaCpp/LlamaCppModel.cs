using LLama.Native;

namespace Herd.PeerBench.LlamaCpp;

/// <summary>
/// A GGUF model loaded in llama.cpp with one context, driven through LLamaSharp's native API:
/// token ids in, logits out, one <c>llama_decode</c> per batch, no sampler chain.
/// </summary>
public sealed class LlamaCppModel : IDisposable
{
    private readonly SafeLlamaModelHandle _model;
    private readonly SafeLLamaContextHandle _context;

    private LlamaCppModel(SafeLlamaModelHandle model, SafeLLamaContextHandle context, LlamaCppOptions options)
    {
        _model = model;
        _context = context;
        Options = options;
    }

    public LlamaCppOptions Options { get; }

    public int VocabularySize => _model.Vocab.Count;

    /// <summary>The bytes of the model's tensors, as llama.cpp counts them.</summary>
    public ulong ModelBytes => _model.SizeInBytes;

    /// <exception cref="InvalidOperationException">llama.cpp could not load the file or create the context.</exception>
    public static LlamaCppModel Load(string ggufPath, LlamaCppOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!File.Exists(ggufPath))
        {
            throw new FileNotFoundException($"No GGUF file at {ggufPath}.", ggufPath);
        }

        LlamaCppRuntime.EnsureConfigured();
        var modelParameters = LLamaModelParams.Default();
        modelParameters.n_gpu_layers = 0;
        SafeLlamaModelHandle model;
        try
        {
            model = SafeLlamaModelHandle.LoadFromFile(ggufPath, modelParameters);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            throw new InvalidOperationException($"llama.cpp could not load {ggufPath}: {error.Message}", error);
        }

        try
        {
            var contextParameters = LLamaContextParams.Default();
            contextParameters.n_ctx = (uint)(options.Sequences * options.ContextPerSequence);
            contextParameters.n_seq_max = (uint)options.Sequences;
            contextParameters.n_batch = (uint)options.BatchTokens;
            contextParameters.n_ubatch = (uint)options.BatchTokens;
            contextParameters.n_threads = options.Threads;
            contextParameters.n_threads_batch = options.Threads;
            contextParameters.type_k = options.KvCacheType;
            contextParameters.type_v = options.KvCacheType;

            // One cache per sequence, as Herd keeps a slot per sequence: a sequence attends to its
            // own tokens only, not to a shared cache masked down to them.
            contextParameters.kv_unified = false;
            contextParameters.llama_flash_attn_type = options.FlashAttention;
            var context = SafeLLamaContextHandle.Create(model, contextParameters);
            return new LlamaCppModel(model, context, options);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            model.Dispose();
            throw new InvalidOperationException($"llama.cpp could not create a context for {ggufPath}: {error.Message}", error);
        }
    }

    /// <summary>llama.cpp's own tokenization of <paramref name="text"/>, BOS added where the vocabulary says so.</summary>
    public IReadOnlyList<int> Tokenize(string text) =>
        [.. _model.Tokenize(text, _model.Vocab.ShouldAddBOS, false, System.Text.Encoding.UTF8).Select(token => (int)token)];

    /// <summary>Runs the batch through the model.</summary>
    /// <exception cref="InvalidOperationException">llama.cpp refused or failed the batch.</exception>
    public void Decode(LLamaBatch batch)
    {
        var result = _context.Decode(batch);
        if (result != DecodeResult.Ok)
        {
            throw new InvalidOperationException($"llama_decode failed with {result} on a batch of {batch.TokenCount} tokens.");
        }
    }

    /// <summary>The greedy token for the batch entry at <paramref name="batchIndex"/>, which must have asked for logits.</summary>
    public int Argmax(int batchIndex) => ArgmaxOf(_context.GetLogitsIth(batchIndex));

    /// <summary>The logits of the batch entry at <paramref name="batchIndex"/>, copied.</summary>
    public float[] Logits(int batchIndex) => _context.GetLogitsIth(batchIndex).ToArray();

    /// <summary>Empties the KV cache of every sequence, so the next measure starts as the first did.</summary>
    public void ClearCache() => _context.MemoryClear(true);

    public void Dispose()
    {
        _context.Dispose();
        _model.Dispose();
    }

    /// <summary>The first index of the largest value, as torch's argmax picks.</summary>
    public static int ArgmaxOf(ReadOnlySpan<float> logits)
    {
        var best = 0;
        for (var i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
            {
                best = i;
            }
        }

        return best;
    }
}
