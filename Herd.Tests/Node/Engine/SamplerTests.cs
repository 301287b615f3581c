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

    [Fact]
    public void LogitBiasOfPlus100_ForcesTheToken_GreedyOrSampled()
    {
        var forced = new Dictionary<int, float> { [0] = 100f };

        Assert.Equal(0, SampleOne(new SamplingParameters { Temperature = 0, LogitBias = forced }));
        Assert.All(Enumerable.Range(0, 20), seed =>
            Assert.Equal(0, SampleOne(new SamplingParameters { Temperature = 1.5f, Seed = (ulong)seed, LogitBias = forced })));
    }

    [Fact]
    public void LogitBiasOfMinus100_BansTheGreedyChoice()
    {
        var banned = new SamplingParameters { Temperature = 0, LogitBias = new Dictionary<int, float> { [2] = -100f } };

        Assert.Equal(1, SampleOne(banned));
    }

    [Fact]
    public void LogitBias_ShiftsTheGreedyChoiceByItsValue()
    {
        // 1.0 + 1.5 = 2.5 falls short of token 2's 3.0; 1.0 + 2.5 = 3.5 beats it.
        Assert.Equal(2, SampleOne(new SamplingParameters { Temperature = 0, LogitBias = new Dictionary<int, float> { [3] = 1.5f } }));
        Assert.Equal(3, SampleOne(new SamplingParameters { Temperature = 0, LogitBias = new Dictionary<int, float> { [3] = 2.5f } }));
    }

    [Fact]
    public void NoLogitBias_OrAZeroOne_LeavesTokensAndLogprobsUnchanged()
    {
        var plain = new SamplingParameters { Temperature = 1f, TopLogprobs = 2 };
        var zero = plain with { LogitBias = new Dictionary<int, float> { [1] = 0f } };

        for (var seed = 0UL; seed < 20; seed++)
        {
            var expected = SampleToken(plain with { Seed = seed });
            var actual = SampleToken(zero with { Seed = seed });
            Assert.Equal(expected.TokenId, actual.TokenId);
            Assert.Equal(expected.Logprob!.Value, actual.Logprob!.Value, 6);
            Assert.Equal(expected.TopLogprobs, actual.TopLogprobs);
        }

        Assert.Equal(2, SampleOne(new SamplingParameters { Temperature = 0 }));
    }

    [Fact]
    public void Logprobs_AreReportedAfterTheLogitBias()
    {
        var biased = Logits.ToArray();
        biased[0] += 5f;
        var expected = biased.Select(value => value - MathF.Log(biased.Sum(MathF.Exp))).ToArray();

        var token = SampleToken(new SamplingParameters { Temperature = 0, TopLogprobs = 2, LogitBias = new Dictionary<int, float> { [0] = 5f } });

        Assert.Equal(0, token.TokenId);
        Assert.Equal(expected[0], token.Logprob!.Value, 5);
        Assert.Equal([0, 2], token.TopLogprobs!.Select(top => top.TokenId));
        Assert.Equal(expected[2], token.TopLogprobs![1].Logprob, 5);
    }

    [Theory]
    [InlineData(4, 1f, "token id 4, outside the vocabulary (0 to 3)")]
    [InlineData(-1, 1f, "token id -1, outside the vocabulary")]
    [InlineData(1, 100.5f, "logit_bias values must be in [-100, 100], not 100.5")]
    [InlineData(1, -101f, "logit_bias values must be in [-100, 100], not -101")]
    [InlineData(1, float.NaN, "logit_bias values must be in [-100, 100]")]
    public void LogitBias_OutsideTheVocabularyOrRange_IsRefused(int tokenId, float bias, string message)
    {
        var parameters = new SamplingParameters { LogitBias = new Dictionary<int, float> { [tokenId] = bias } };

        var error = Assert.Throws<InvalidRequestException>(() => parameters.Validated(vocabularySize: Logits.Length));

        Assert.StartsWith("logit_bias", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LogitBias_AtItsLimits_IsAccepted()
    {
        var parameters = new SamplingParameters { LogitBias = new Dictionary<int, float> { [0] = -100f, [3] = 100f } };

        Assert.Same(parameters, parameters.Validated(vocabularySize: Logits.Length));
    }

    private static int SampleOne(SamplingParameters parameters, int[]? prompt = null, int[]? generated = null) =>
        SampleToken(parameters, prompt, generated).TokenId;

    private static SampledToken SampleToken(SamplingParameters parameters, int[]? prompt = null, int[]? generated = null)
    {
        using var logits = tensor(Logits).unsqueeze(0);
        using var state = new SamplingState(parameters, prompt ?? []);
        foreach (var token in generated ?? [])
        {
            state.Record(token);
        }

        return Sampler.Sample(logits, [state])[0];
    }
}
