using Herd.Contracts.V1;
using Herd.Gateway.Completions;
using Herd.Gateway.Failures;

namespace Herd.Tests.Gateway.Completions;

public sealed class CompletionRequestValidatorTests
{
    public static TheoryData<string, CompletionRequest> Malformed() => new()
    {
        { "model", new CompletionRequest { Prompt = "hi" } },
        { "one of prompt, chat or embed", new CompletionRequest { Model = "m" } },
        { "embed.texts", new CompletionRequest { Model = "m", Embed = new EmbedInput() } },
        { "embed.texts", new CompletionRequest { Model = "m", Embed = new EmbedInput { Texts = { Enumerable.Repeat("x", 2049) } } } },
        { "each text to embed", new CompletionRequest { Model = "m", Embed = new EmbedInput { Texts = { "x", string.Empty } } } },
        { "prompt", new CompletionRequest { Model = "m", Prompt = string.Empty } },
        { "priority", new CompletionRequest { Model = "m", Prompt = "hi", Priority = -1 } },
        { "priority", new CompletionRequest { Model = "m", Prompt = "hi", Priority = 101 } },
        { "request_id", new CompletionRequest { Model = "m", Prompt = "hi", RequestId = new string('x', 201) } },
        { "top_experts", new CompletionRequest { Model = "m:auto", Prompt = "hi", TopExperts = -1 } },
        { "top_experts", new CompletionRequest { Model = "m:auto", Prompt = "hi", TopExperts = 17 } },
        { "chat.messages", new CompletionRequest { Model = "m", Chat = new ChatMessages() } },
        { "role", new CompletionRequest { Model = "m", Chat = new ChatMessages { Messages = { new ChatMessage { Role = "wizard", Content = "hi" } } } } },
        { "temperature", WithSampling(new SamplingParams { Temperature = -0.5f }) },
        { "temperature", WithSampling(new SamplingParams { Temperature = float.NaN }) },
        { "top_p", WithSampling(new SamplingParams { TopP = 0 }) },
        { "min_p", WithSampling(new SamplingParams { MinP = 1.5f }) },
        { "top_k", WithSampling(new SamplingParams { TopK = -1 }) },
        { "repetition_penalty", WithSampling(new SamplingParams { RepetitionPenalty = 0 }) },
        { "frequency_penalty", WithSampling(new SamplingParams { FrequencyPenalty = 3 }) },
        { "presence_penalty", WithSampling(new SamplingParams { PresencePenalty = -3 }) },
        { "max_tokens", WithSampling(new SamplingParams { MaxTokens = 0 }) },
        { "top_logprobs", WithSampling(new SamplingParams { TopLogprobs = 21 }) },
        { "stop sequence", WithSampling(new SamplingParams { Stop = { string.Empty } }) },
        { "stop sequences", WithSampling(new SamplingParams { Stop = { Enumerable.Range(0, 17).Select(i => $"s{i}") } }) },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Validate_MalformedRequest_IsInvalidArgumentNamingTheField(string field, CompletionRequest request)
    {
        var error = Assert.Throws<RequestFailedException>(() => CompletionRequestValidator.Validate(request));

        Assert.Equal(FailureKind.InvalidRequest, error.Kind);
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<CompletionRequest> WellFormed() => new()
    {
        WithSampling(new SamplingParams { Temperature = 0, TopP = 1, MaxTokens = 8, Stop = { "\n" }, TopLogprobs = 3 }),
        new CompletionRequest
        {
            Model = "herd-tiny",
            Priority = 100,
            Chat = new ChatMessages { Messages = { new ChatMessage { Role = "system", Content = "be brief" }, new ChatMessage { Role = "user", Content = "hi" } } },
        },

        // Unset sampling fields are the model's defaults, not zeros to refuse.
        WithSampling(new SamplingParams()),
    };

    [Theory]
    [MemberData(nameof(WellFormed))]
    public void Validate_WellFormedRequest_Passes(CompletionRequest request)
    {
        Assert.Null(Record.Exception(() => CompletionRequestValidator.Validate(request)));
    }

    private static CompletionRequest WithSampling(SamplingParams sampling) => new() { Model = "m", Prompt = "hi", Sampling = sampling };
}
