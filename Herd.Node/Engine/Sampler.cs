using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Node.Engine;

/// <summary>
/// Turns a batch of next-token logits into one token per sequence, each with its own parameters:
/// the logit bias, then penalties, then temperature, then top-k, min-p and top-p, then a draw
/// from that sequence's generator (or the arg-max when greedy).
/// </summary>
public static class Sampler
{
    /// <param name="logits">[batch, vocab]</param>
    public static SampledToken[] Sample(Tensor logits, IReadOnlyList<SamplingState> rows)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(rows);
        using var scope = NewDisposeScope();
        // Sampling runs on the CPU in float32 whatever the model ran on: the work is tiny and
        // the seeded generators live there.
        var cpuLogits = logits.to(float32, CPU);
        if (rows.All(row => row.Parameters is { IsGreedy: true, HasPenalties: false, WantsLogprobs: false, HasLogitBias: false }))
        {
            return cpuLogits.argmax(-1).data<long>().Select(id => new SampledToken((int)id)).ToArray();
        }

        var sampled = new SampledToken[rows.Count];
        for (var row = 0; row < rows.Count; row++)
        {
            sampled[row] = SampleRow(cpuLogits[row], rows[row]);
        }

        return sampled;
    }

    private static SampledToken SampleRow(Tensor rawLogits, SamplingState state)
    {
        var parameters = state.Parameters;
        var biased = parameters.HasLogitBias ? Biased(rawLogits, parameters.LogitBias) : rawLogits;
        var logits = parameters.HasPenalties ? Penalised(biased, state) : biased;
        var tokenId = parameters.IsGreedy ? (int)logits.argmax().item<long>() : Draw(logits, state);
        if (!parameters.WantsLogprobs)
        {
            return new SampledToken(tokenId);
        }

        // Log-probabilities describe the model's own distribution as the request biased it (as
        // OpenAI reports them), before penalties and the other sampling transforms.
        var logprobs = biased.log_softmax(-1);
        var chosen = logprobs[tokenId].item<float>();
        if (parameters.TopLogprobs == 0)
        {
            return new SampledToken(tokenId, chosen, []);
        }

        var (values, indices) = logprobs.topk(parameters.TopLogprobs);
        var top = indices.data<long>().Zip(values.data<float>(), (id, value) => ((int)id, value)).ToArray();
        return new SampledToken(tokenId, chosen, top);
    }

    private static Tensor Biased(Tensor logits, IReadOnlyDictionary<int, float> bias)
    {
        var ids = tensor(bias.Keys.Select(id => (long)id).ToArray());
        var values = tensor(bias.Values.ToArray());
        return logits.clone().index_add_(0, ids, values, alpha: 1);
    }

    private static Tensor Penalised(Tensor logits, SamplingState state)
    {
        var parameters = state.Parameters;
        var penalised = logits.clone();
        if (parameters.RepetitionPenalty != 1f && state.SeenTokens.Count > 0)
        {
            var seen = tensor(state.SeenTokens.Select(id => (long)id).ToArray());
            var values = penalised.index_select(0, seen);
            values = where(values > 0, values / parameters.RepetitionPenalty, values * parameters.RepetitionPenalty);
            penalised.index_copy_(0, seen, values);
        }

        if ((parameters.FrequencyPenalty != 0f || parameters.PresencePenalty != 0f) && state.GeneratedCounts.Count > 0)
        {
            var ids = tensor(state.GeneratedCounts.Keys.Select(id => (long)id).ToArray());
            var counts = tensor(state.GeneratedCounts.Values.Select(count => (float)count).ToArray());
            var penalty = counts * parameters.FrequencyPenalty + parameters.PresencePenalty;
            penalised.index_add_(0, ids, penalty, alpha: -1);
        }

        return penalised;
    }

    private static int Draw(Tensor logits, SamplingState state)
    {
        var parameters = state.Parameters;
        var scaled = logits / parameters.Temperature;
        var vocabulary = scaled.shape[0];
        if (parameters.TopK > 0 && parameters.TopK < vocabulary)
        {
            var kth = scaled.topk(parameters.TopK).values[parameters.TopK - 1];
            scaled = scaled.masked_fill(scaled < kth, double.NegativeInfinity);
        }

        var probabilities = scaled.softmax(-1);
        if (parameters.MinP > 0f)
        {
            var floor = probabilities.max() * parameters.MinP;
            probabilities = probabilities.masked_fill(probabilities < floor, 0);
        }

        if (parameters.TopP < 1f)
        {
            var (sorted, order) = probabilities.sort(descending: true);
            // Drop a token when the tokens before it already reach top_p; the first always stays.
            var before = sorted.cumsum(0) - sorted;
            var dropSorted = before >= parameters.TopP * sorted.sum();
            var drop = zeros_like(dropSorted).scatter(0, order, dropSorted);
            probabilities = probabilities.masked_fill(drop, 0);
        }

        return (int)probabilities.multinomial(1, replacement: false, generator: state.Generator).item<long>();
    }
}
