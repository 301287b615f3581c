using Herd.Node.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Node.Engine;

/// <summary>Turns what the scheduler chose into forward passes over the model and the KV cache.</summary>
public sealed class ModelRunner(CausalLanguageModel model, KvCache cache)
{
    /// <summary>
    /// Decode steps of at most this many sequences run libtorch's operations on one CPU thread.
    /// Their work is a chain of small operations, and handing each to a second thread costs more
    /// than it saves. The matrix products are not affected: the native kernels keep all their
    /// threads (see <c>Kernels/</c>).
    /// </summary>
    public const int SingleThreadedDecodeBatch = 2;

    private readonly int _threads = torch.get_num_threads();

    public KvCache Cache { get; } = cache;

    /// <summary>One new token for each of <paramref name="batch"/>, which occupy slots 0..n-1 in order.</summary>
    /// <returns>[batch, vocab] next-token logits</returns>
    public Tensor Decode(IReadOnlyList<Sequence> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = NewDisposeScope();
        var lastTokens = new long[batch.Count];
        var positions = new long[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            lastTokens[i] = batch[i].LastToken;
            positions[i] = batch[i].CachedTokens;
        }

        using var context = model.DecodeContext(Cache, positions);
        // [batch, 1]
        var inputIds = tensor(lastTokens, dtype: int64, device: Cache.Device).unsqueeze(1);
        var singleThreaded = Cache.Device.type == DeviceType.CPU && batch.Count <= SingleThreadedDecodeBatch && _threads > 1;
        if (singleThreaded)
        {
            torch.set_num_threads(1);
        }

        Tensor logits;
        try
        {
            logits = model.Forward(inputIds, context, lastTokenOnly: true).squeeze(1);
        }
        finally
        {
            if (singleThreaded)
            {
                torch.set_num_threads(_threads);
            }
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

        using var context = model.PrefillContext(Cache, sequence.Slot, chunk.Start, chunk.Length);
        // [1, tokens]
        var inputIds = tensor(ids, dtype: int64, device: Cache.Device).unsqueeze(0);
        var logits = model.Forward(inputIds, context, lastTokenOnly: true).squeeze(1);
        sequence.CachedTokens += chunk.Length;
        return logits.MoveToOuterDisposeScope();
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
