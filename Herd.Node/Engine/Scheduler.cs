namespace Herd.Node.Engine;

/// <summary>
/// Decides what runs each iteration (continuous batching): every decoding sequence gets one
/// token, and what is left of the token budget goes to prompts, oldest first, in chunks so a
/// long prompt never stalls the streams already running, then to texts to embed. Works in plain
/// data; never touches tensors.
/// </summary>
/// <remarks>
/// A running sequence's slot is its index in the running list. Decoding sequences come first,
/// so a decode step reads slots 0..n-1; at most one sequence is part-way through its prompt, and
/// it comes last. Removing a sequence moves others down to keep that shape, and says which
/// cache slots to copy.
/// <para>
/// Texts to embed take no slot: they run whole, in one encoding pass per iteration that keeps
/// no keys or values, padded to the pass's longest text. The pass takes texts oldest job first
/// while the padded pass fits what the budget has left, and at least one text, so embeddings
/// move on however busy generation is; a job's texts may spread over several iterations.
/// </para>
/// </remarks>
public sealed class Scheduler
{
    private readonly LinkedList<Sequence> _waiting = [];
    private readonly List<Sequence> _running = [];
    private readonly LinkedList<EmbeddingJob> _embeddings = [];
    private readonly int _maxSequences;
    private readonly int _maxBatchedTokens;

    public Scheduler(int maxSequences, int maxBatchedTokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSequences, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxBatchedTokens, maxSequences);
        _maxSequences = maxSequences;
        _maxBatchedTokens = maxBatchedTokens;
    }

    public int RunningCount => _running.Count;

    /// <summary>The sequences in the running batch, in slot order.</summary>
    public IReadOnlyList<Sequence> Running => _running;

    public int WaitingCount => _waiting.Count;

    /// <summary>Embedding jobs that have not ended, oldest first.</summary>
    public int EmbeddingCount => _embeddings.Count;

    public bool HasWork => _running.Count > 0 || _waiting.Count > 0 || _embeddings.Count > 0;

    public void Add(Sequence sequence) => _waiting.AddLast(sequence);

    public void Add(EmbeddingJob job) => _embeddings.AddLast(job);

    public SchedulerStep Schedule()
    {
        var decode = _running.TakeWhile(sequence => !sequence.IsPrefilling).ToList();
        var budget = _maxBatchedTokens - decode.Count;
        var prefill = new List<PrefillChunk>();

        // Finish the prompt already under way before starting another.
        foreach (var sequence in _running.Skip(decode.Count))
        {
            prefill.Add(Chunk(sequence, ref budget));
        }

        while (budget > 0 && _waiting.First?.Value is { } next && _running.Count < _maxSequences
               && (prefill.Count == 0 || prefill[^1].CompletesPrompt))
        {
            _waiting.RemoveFirst();
            next.Slot = _running.Count;
            _running.Add(next);
            prefill.Add(Chunk(next, ref budget));
        }

        return new SchedulerStep(decode, prefill, Embed(budget));
    }

    /// <summary>Takes an embedding job out once it ended: its vectors are ready, or it was cancelled or failed.</summary>
    public void Remove(EmbeddingJob job) => _embeddings.Remove(job);

    /// <summary>Takes a finished or cancelled sequence out; returns the cache copies that keep the slots compact.</summary>
    public IReadOnlyList<SlotMove> Remove(Sequence sequence)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        if (_waiting.Remove(sequence))
        {
            return [];
        }

        var hole = _running.IndexOf(sequence);
        if (hole < 0)
        {
            return [];
        }

        sequence.Slot = -1;
        var decoding = _running.TakeWhile(running => !running.IsPrefilling).Count();
        var moves = new List<SlotMove>();
        if (hole >= decoding)
        {
            // The sequence still in its prompt is always last: nothing moves.
            _running.RemoveAt(hole);
            return moves;
        }

        var lastDecoding = decoding - 1;
        if (hole != lastDecoding)
        {
            MoveTo(hole, _running[lastDecoding], moves);
        }

        if (_running.Count > decoding)
        {
            MoveTo(lastDecoding, _running[decoding], moves);
            _running.RemoveAt(decoding);
        }
        else
        {
            _running.RemoveAt(lastDecoding);
        }

        return moves;
    }

    /// <summary>Takes every sequence out, running and waiting (when the engine stops or fails).</summary>
    public IReadOnlyList<Sequence> Drain()
    {
        var all = _running.Concat(_waiting).ToList();
        _running.Clear();
        _waiting.Clear();
        foreach (var sequence in all)
        {
            sequence.Slot = -1;
        }

        return all;
    }

    /// <summary>Takes every embedding job out (when the engine stops or fails).</summary>
    public IReadOnlyList<EmbeddingJob> DrainEmbeddings()
    {
        var all = _embeddings.ToList();
        _embeddings.Clear();
        return all;
    }

    private void MoveTo(int slot, Sequence sequence, List<SlotMove> moves)
    {
        moves.Add(new SlotMove(sequence.Slot, slot, sequence.CachedTokens));
        _running[slot] = sequence;
        sequence.Slot = slot;
    }

    /// <summary>Texts for this iteration's encoding pass: as many as fit the budget padded to the longest, at least one.</summary>
    private List<EmbeddingText> Embed(int budget)
    {
        var texts = new List<EmbeddingText>();
        var longest = 0;
        foreach (var job in _embeddings)
        {
            while (!job.IsScheduled)
            {
                var width = Math.Max(longest, job.NextLength);
                if (texts.Count > 0 && (long)(texts.Count + 1) * width > budget)
                {
                    return texts;
                }

                texts.Add(job.TakeNext());
                longest = width;
            }
        }

        return texts;
    }

    private static PrefillChunk Chunk(Sequence sequence, ref int budget)
    {
        var length = Math.Min(sequence.Prompt.Count - sequence.CachedTokens, Math.Max(budget, 1));
        budget -= length;
        return new PrefillChunk(sequence, sequence.CachedTokens, length);
    }
}
