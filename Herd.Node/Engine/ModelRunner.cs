using Herd.Node.Model;
using Herd.Node.Model.Lora;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Node.Engine;

/// <summary>Turns what the scheduler chose into forward passes over the model and the KV cache, and texts into embeddings.</summary>
public sealed class ModelRunner(CausalLanguageModel model, KvCache cache)
{
    /// <summary>
    /// Decode steps of at most this many sequences run libtorch's operations on one CPU thread.
    /// Their work is a chain of small operations, and handing each to a second thread costs more
    /// than it saves. The matrix products are not affected: the native kernels keep all their
    /// threads (see <c>Kernels/</c>).
    /// </summary>
    public const int SingleThreadedDecodeBatch = 2;

    public KvCache Cache { get; } = cache;

    /// <summary>One new token for each of <paramref name="batch"/>, which occupy slots 0..n-1 in order.</summary>
    /// <returns>[batch, vocab] next-token logits</returns>
    public Tensor Decode(IReadOnlyList<Sequence> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = NewDisposeScope();
        var lastTokens = new long[batch.Count];
        var positions = new long[batch.Count];
        var adapters = new AdapterBlend?[batch.Count];
        var anyAdapters = false;
        for (var i = 0; i < batch.Count; i++)
        {
            lastTokens[i] = batch[i].LastToken;
            positions[i] = batch[i].CachedTokens;
            adapters[i] = batch[i].Request.Adapters;
            anyAdapters |= adapters[i] is not null;
        }

        using var context = model.DecodeContext(Cache, positions, anyAdapters ? adapters : null);
        // [batch, 1]
        var inputIds = tensor(lastTokens, dtype: int64, device: Cache.Device).unsqueeze(1);
        Tensor logits;
        using (batch.Count <= SingleThreadedDecodeBatch ? SingleThreadScope.Enter(Cache.Device) : default)
        {
            logits = model.Forward(inputIds, context, lastTokenOnly: true).squeeze(1);
        }

        foreach (var sequence in batch)
        {
            sequence.CachedTokens++;
        }

        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>Runs one chunk of a prompt into the sequence's cache slot.</summary>
    /// <returns>[1, vocab] logits after the chunk's last token</returns>
    public Tensor Prefill(PrefillChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        using var scope = NewDisposeScope();
        var sequence = chunk.Sequence;
        var ids = new long[chunk.Length];
        for (var i = 0; i < chunk.Length; i++)
        {
            ids[i] = sequence.Prompt[chunk.Start + i];
        }

        using var context = model.PrefillContext(Cache, sequence.Slot, chunk.Start, chunk.Length, sequence.Request.Adapters);
        // [1, tokens]
        var inputIds = tensor(ids, dtype: int64, device: Cache.Device).unsqueeze(0);
        var logits = model.Forward(inputIds, context, lastTokenOnly: true).squeeze(1);
        sequence.CachedTokens += chunk.Length;
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Runs whole texts through the model in one pass that keeps no keys or values (the cache is
    /// untouched), and pools each text's last hidden states: their mean over the text's own
    /// tokens, L2-normalised, in float32. Texts are padded on the right to the longest.
    /// </summary>
    /// <returns>One vector of hidden-size values per text, in order.</returns>
    public float[][] Embed(IReadOnlyList<EmbeddingText> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        using var scope = NewDisposeScope();
        var (batch, longest) = (texts.Count, texts.Max(text => text.Tokens.Count));
        // Padding is token 0: any id in the vocabulary will do, since no real token attends to it.
        var ids = new long[batch * longest];
        var lengths = new float[batch];
        for (var row = 0; row < batch; row++)
        {
            var tokens = texts[row].Tokens;
            lengths[row] = tokens.Count;
            for (var i = 0; i < tokens.Count; i++)
            {
                ids[row * longest + i] = tokens[i];
            }
        }

        using var context = model.EncodeContext(batch, longest);
        // [batch, tokens]
        var inputIds = tensor(ids, [batch, longest], dtype: int64, device: Cache.Device);
        // [batch, tokens, hidden], pooled in float32 whatever the model computes in
        var hidden = model.HiddenStates(inputIds, context).to(float32);
        // [batch, 1]
        var counts = tensor(lengths, dtype: float32, device: Cache.Device).unsqueeze(1);
        // [batch, tokens, 1]: 1 on a text's own tokens, 0 on its padding
        var own = arange(longest, dtype: float32, device: Cache.Device).unsqueeze(0).lt(counts).unsqueeze(-1).to(float32);
        // [batch, hidden]
        var mean = (hidden * own).sum(1).div_(counts);
        var vectors = nn.functional.normalize(mean, p: 2, dim: -1).cpu().data<float>().ToArray();
        var width = vectors.Length / batch;
        return [.. Enumerable.Range(0, batch).Select(row => vectors.AsSpan(row * width, width).ToArray())];
    }

    public void Apply(IEnumerable<SlotMove> moves)
    {
        ArgumentNullException.ThrowIfNull(moves);
        foreach (var move in moves)
        {
            Cache.Move(move.From, move.To, move.Length);
        }
    }
}
