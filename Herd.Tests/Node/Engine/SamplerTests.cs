using Herd.Node.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Tests.Node.Engine;

public sealed class SamplerTests
{
    // Token 2 is the most likely, then 1, then 3, then 0.
    private static readonly float[] Logits = [0.5f, 2.0f, 3.0f, 1.0f];

    [Fact]
    public void Greedy_TakesTheMostLikelyToken()
    {
        Assert.Equal(2, SampleOne(new SamplingParameters { Temperature = 0 }));
    }

    [Fact]
    public void RepetitionPenalty_DemotesTokensAlreadySeen()
    {
        var penalised = new SamplingParameters { Temperature = 0, RepetitionPenalty = 2f };

        // 3.0 / 2 = 1.5 falls below token 1's 2.0.
        Assert.Equal(1, SampleOne(penalised, prompt: [2]));
        Assert.Equal(2, SampleOne(penalised, prompt: [0]));
    }

    [Fact]
    public void FrequencyPenalty_GrowsWithEachRepeat_PresencePenaltyDoesNot()
    {
        var frequency = new SamplingParameters { Temperature = 0, FrequencyPenalty = 0.6f };
        var presence = new SamplingParameters { Temperature = 0, PresencePenalty = 0.6f };

        // Generated once: 3.0 - 0.6 = 2.4 still wins; twice: 3.0 - 1.2 = 1.8 loses to 2.0.
        Assert.Equal(2, SampleOne(frequency, generated: [2]));
        Assert.Equal(1, SampleOne(frequency, generated: [2, 2]));
        Assert.Equal(2, SampleOne(presence, generated: [2, 2]));
    }

    [Fact]
    public void TopKOfOne_AlwaysDrawsTheMostLikelyToken()
    {
        var sampled = Enumerable.Range(0, 20).Select(seed =>
            SampleOne(new SamplingParameters { Temperature = 5f, TopK = 1, Seed = (ulong)seed }));

        Assert.All(sampled, token => Assert.Equal(2, token));
    }

    [Fact]
    public void TopP_KeepsOnlyTheSmallestSetReachingP()
    {
        // Probabilities are about 0.08, 0.23, 0.63, 0.06: top_p 0.7 keeps tokens 2 and 1.
        var drawn = Enumerable.Range(0, 200).Select(seed =>
            SampleOne(new SamplingParameters { Temperature = 1f, TopP = 0.7f, Seed = (ulong)seed })).ToHashSet();

        Assert.Equal([1, 2], drawn.Order());
    }

    [Fact]
    public void MinP_DropsTokensFarLessLikelyThanTheBest()
    {
        // 0.3 of the best (0.63) is 0.19: tokens 0 and 3 go.
        var drawn = Enumerable.Range(0, 200).Select(seed =>
            SampleOne(new SamplingParameters { Temperature = 1f, MinP = 0.3f, Seed = (ulong)seed })).ToHashSet();

        Assert.Equal([1, 2], drawn.Order());
    }

    [Fact]
    public void Logprobs_ReportTheChosenTokenAndTheTopAlternatives()
    {
        using var logits = tensor(Logits).unsqueeze(0);
        using var state = new SamplingState(new SamplingParameters { Temperature = 0, TopLogprobs = 2 }, []);

        var token = Sampler.Sample(logits, [state])[0];

        var expected = Logits.Select(value => value - MathF.Log(Logits.Sum(MathF.Exp))).ToArray();
        Assert.Equal(expected[2], token.Logprob!.Value, 5);
        Assert.Equal([2, 1], token.TopLogprobs!.Select(top => top.TokenId));
        Assert.Equal(expected[1], token.TopLogprobs![1].Logprob, 5);
    }

    private static int SampleOne(SamplingParameters parameters, int[]? prompt = null, int[]? generated = null)
    {
        using var logits = tensor(Logits).unsqueeze(0);
        using var state = new SamplingState(parameters, prompt ?? []);
        foreach (var token in generated ?? [])
        {
            state.Record(token);
        }

        return Sampler.Sample(logits, [state])[0].TokenId;
    }
}
