using System.ClientModel;
using System.Text;
using Herd.Contracts.V1;
using Herd.Tests.Fixtures;
using Herd.Tests.Mesh;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;
using ChatFinishReason = OpenAI.Chat.ChatFinishReason;

namespace Herd.Tests.Http;

/// <summary>
/// The official OpenAI .NET client and Microsoft.Extensions.AI's chat client, pointed at a real
/// gateway by their base URL and key alone: what they get equals what the same greedy request
/// gets through gRPC, token for token, and the usage they read counts the tokens streamed.
/// </summary>
[Collection(WithHttpHerd.Name)]
public sealed class OpenAiClientTests(HttpHerdFixture fixture)
{
    private const string Question = "Once upon a time";

    [Fact]
    public async Task Chat_Whole_EqualsTheSameGreedyRequestThroughGrpc_WithItsUsage()
    {
        var key = await fixture.KeyAsync("caller");
        var expected = await ThroughGrpcAsync(key, maxTokens: 12);

        var completion = (await Client(key).CompleteChatAsync([new UserChatMessage(Question)], Greedy(12))).Value;

        Assert.Equal(expected.Text, completion.Content[0].Text);
        Assert.Equal(expected.Done.Usage.CompletionTokens, completion.Usage.OutputTokenCount);
        Assert.Equal(expected.Done.Usage.PromptTokens, completion.Usage.InputTokenCount);
        Assert.Equal(expected.Done.FinishReason == FinishReason.Length ? ChatFinishReason.Length : ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
    }

    [Fact]
    public async Task Chat_Streamed_EqualsTheSameGreedyRequestThroughGrpc_AndItsUsageCountsTheTokensStreamed()
    {
        var key = await fixture.KeyAsync("caller");
        var expected = await ThroughGrpcAsync(key, maxTokens: 12);

        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        // The client asks for stream_options.include_usage itself.
        await foreach (var update in Client(key).CompleteChatStreamingAsync([new UserChatMessage(Question)], Greedy(12)))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.Equal(expected.Text, text.ToString());
        Assert.NotNull(usage);
        Assert.Equal(expected.TokenIds.Count, usage.OutputTokenCount);
        Assert.Equal(expected.Done.Usage.PromptTokens, usage.InputTokenCount);
        Assert.NotNull(finish);
    }

    [Fact]
    public async Task Chat_Logprobs_OnePerTokenWithItsAlternatives()
    {
        var key = await fixture.KeyAsync("caller");
        var options = Greedy(6);
        options.IncludeLogProbabilities = true;
        options.TopLogProbabilityCount = 2;

        var completion = (await Client(key).CompleteChatAsync([new UserChatMessage(Question)], options)).Value;

        Assert.Equal(completion.Usage.OutputTokenCount, completion.ContentTokenLogProbabilities.Count);
        Assert.All(completion.ContentTokenLogProbabilities, token =>
        {
            Assert.True(token.LogProbability <= 0);
            Assert.Equal(2, token.TopLogProbabilities.Count);
            // Greedy: the token taken is the likeliest.
            Assert.Equal(token.TopLogProbabilities[0].LogProbability, token.LogProbability, 3);
        });
    }

    [Fact]
    public async Task Chat_StopSequence_EndsTheAnswerBeforeIt()
    {
        var key = await fixture.KeyAsync("caller");
        // herd-tiny answers this one in plain characters (others in bytes that decode to U+FFFD).
        const string question = "Hello";
        var expected = await ThroughGrpcAsync(key, maxTokens: 16, question);
        var (stop, at) = StopPoint.In(expected.Text);
        var options = Greedy(16);
        options.StopSequences.Add(stop);

        var completion = (await Client(key).CompleteChatAsync([new UserChatMessage(question)], options)).Value;

        Assert.Equal(expected.Text[..at], completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
    }

    [Fact]
    public async Task Models_ListTheServedModel_AndOneOfThemIsFound()
    {
        var key = await fixture.KeyAsync("caller");
        var models = new OpenAIClient(new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = fixture.BaseUrl }).GetOpenAIModelClient();

        var listed = (await models.GetModelsAsync()).Value;
        var found = (await models.GetModelAsync(TestHerd.Model)).Value;

        Assert.Contains(listed, model => model.Id == TestHerd.Model);
        Assert.Equal(TestHerd.Model, found.Id);
    }

    [Fact]
    public async Task ExtensionsAiChatClient_StreamsFromHerdUnchanged()
    {
        var key = await fixture.KeyAsync("caller");
        var expected = await ThroughGrpcAsync(key, maxTokens: 12);
        IChatClient client = Client(key).AsIChatClient();

        var text = new StringBuilder();
        await foreach (var update in client.GetStreamingResponseAsync(Question, new ChatOptions { Temperature = 0, MaxOutputTokens = 12 }))
        {
            text.Append(update.Text);
        }

        Assert.Equal(expected.Text, text.ToString());
    }

    [Fact]
    public async Task OpenAiNpmPackage_ChatAndCompletions_WholeAndStreamed_StopSequences_Embeddings_ModelsAndErrors()
    {
        var key = await fixture.KeyAsync("caller");
        var chatExpected = await ThroughGrpcAsync(key, maxTokens: 8);
        var textExpected = await StreamedCompletion.RunAsync(fixture.Herd.Gateways[0].Completions, MeshClient.Request(Question, 8), headers: HttpHerdFixture.Bearer(key));

        var (stop, stopAt) = StopPoint.In(textExpected.Text);
        string[] texts = [Question, "A second text"];
        var embedded = await StreamedCompletion.RunAsync(
            fixture.Herd.Gateways[0].Completions, new CompletionRequest { Model = TestHerd.Model, Embed = new EmbedInput { Texts = { texts } } }, headers: HttpHerdFixture.Bearer(key));

        var answer = await NodeJsClient.OpenAiAsync(fixture.BaseUrl.ToString().TrimEnd('/'), key, TestHerd.Model, Question, 8, stop);

        Assert.Equal([chatExpected.Text, chatExpected.Text], answer.GetProperty("chat").EnumerateArray().Select(choice => choice.GetString()));
        Assert.Equal(2 * chatExpected.Done.Usage.CompletionTokens, answer.GetProperty("chatUsage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(chatExpected.Text, answer.GetProperty("chatStreamed").GetString());
        Assert.Equal(chatExpected.TokenIds.Count, answer.GetProperty("chatStreamUsage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(textExpected.Text, answer.GetProperty("text").GetString());
        Assert.Equal(textExpected.TokenIds.Count, answer.GetProperty("textTokens").GetInt32());
        Assert.Equal(textExpected.Text, answer.GetProperty("textStreamed").GetString());
        Assert.Equal(textExpected.Text[..stopAt], answer.GetProperty("textStopped").GetString());
        // The package asks for base64 and decodes it.
        var vectors = answer.GetProperty("embeddings").EnumerateArray().Select(vector => vector.EnumerateArray().Select(value => value.GetSingle()).ToArray()).ToList();
        Assert.Equal(texts.Length, vectors.Count);
        EmbeddingsTests.AssertClose(embedded.Done.Embeddings[0].Values, vectors[0]);
        EmbeddingsTests.AssertClose(embedded.Done.Embeddings[1].Values, vectors[1]);
        Assert.Equal(embedded.Done.Usage.PromptTokens, answer.GetProperty("embeddingUsage").GetProperty("prompt_tokens").GetInt32());
        Assert.Contains(TestHerd.Model, answer.GetProperty("models").EnumerateArray().Select(model => model.GetString()));
        Assert.Equal(404, answer.GetProperty("refused").GetProperty("status").GetInt32());
        Assert.Equal("model_not_found", answer.GetProperty("refused").GetProperty("code").GetString());
    }

    private ChatClient Client(string key) =>
        new(TestHerd.Model, new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = fixture.BaseUrl });

    private static ChatCompletionOptions Greedy(int maxTokens) => new() { Temperature = 0, MaxOutputTokenCount = maxTokens };

    private async Task<StreamedCompletion> ThroughGrpcAsync(string key, int maxTokens, string question = Question)
    {
        var request = new CompletionRequest
        {
            Model = TestHerd.Model,
            Chat = new ChatMessages { Messages = { new Contracts.V1.ChatMessage { Role = "user", Content = question } } },
            Sampling = new SamplingParams { Temperature = 0, MaxTokens = maxTokens },
        };
        return await StreamedCompletion.RunAsync(fixture.Herd.Gateways[0].Completions, request, headers: HttpHerdFixture.Bearer(key));
    }
}
