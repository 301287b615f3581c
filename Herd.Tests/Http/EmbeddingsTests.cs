using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herd.Contracts.V1;
using Herd.Gateway.Ledger;
using Herd.Tests.Fixtures;
using Herd.Tests.Mesh;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Embeddings;

namespace Herd.Tests.Http;

/// <summary>
/// Embeddings through a real gateway and node: the OpenAI .NET client, Microsoft.Extensions.AI's
/// generator, raw HTTP in both encodings and llm-api's route all get the vectors the same texts
/// get through gRPC, with the node's token count as usage (the openai npm package's embeddings
/// are checked with its other calls, in <see cref="OpenAiClientTests"/>).
/// </summary>
[Collection(WithHttpHerd.Name)]
public sealed class EmbeddingsTests(HttpHerdFixture fixture)
{
    private static readonly string[] Texts = ["Once upon a time", "A second text"];

    [Fact]
    public async Task Grpc_EmbedRequest_EndsWithOneUnitVectorPerText_AndNoDelta()
    {
        var key = await fixture.KeyAsync("caller");

        var embedded = await ThroughGrpcAsync(key, Texts);

        Assert.Empty(embedded.TokenIds);
        Assert.Equal(Texts.Length, embedded.Done.Embeddings.Count);
        Assert.All(embedded.Done.Embeddings, vector => Assert.Equal(1.0, Math.Sqrt(vector.Values.Sum(value => (double)value * value)), 3));
        Assert.NotEqual(embedded.Done.Embeddings[0].Values, embedded.Done.Embeddings[1].Values);
        Assert.True(embedded.Done.Usage.PromptTokens >= Texts.Length);
        Assert.Equal(0, embedded.Done.Usage.CompletionTokens);
    }

    [Fact]
    public async Task OpenAiClient_EqualsGrpc_WithTheNodesTokenCount()
    {
        var key = await fixture.KeyAsync("caller");
        var expected = await ThroughGrpcAsync(key, Texts);
        var client = new OpenAIClient(new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = fixture.BaseUrl }).GetEmbeddingClient(TestHerd.Model);

        var embeddings = (await client.GenerateEmbeddingsAsync(Texts)).Value;

        Assert.Equal(Texts.Length, embeddings.Count);
        for (var i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(i, embeddings[i].Index);
            AssertClose(expected.Done.Embeddings[i].Values, embeddings[i].ToFloats().ToArray());
        }

        Assert.Equal(expected.Done.Usage.PromptTokens, embeddings.Usage.InputTokenCount);
        Assert.Equal(expected.Done.Usage.PromptTokens, embeddings.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task ExtensionsAiEmbeddingGenerator_EqualsGrpc()
    {
        var key = await fixture.KeyAsync("caller");
        var expected = await ThroughGrpcAsync(key, Texts);
        IEmbeddingGenerator<string, Embedding<float>> generator = new OpenAIClient(new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = fixture.BaseUrl })
            .GetEmbeddingClient(TestHerd.Model).AsIEmbeddingGenerator();

        var embeddings = await generator.GenerateAsync(Texts);

        Assert.Equal(Texts.Length, embeddings.Count);
        AssertClose(expected.Done.Embeddings[1].Values, embeddings[1].Vector.ToArray());
    }

    [Fact]
    public async Task RawHttp_FloatAndBase64_CarryTheSameVectors_AndTheLedgerRecordsTheRequest()
    {
        var key = await fixture.KeyAsync("caller");
        using var http = fixture.Http(key);

        var floats = await PostAsync(http, "embeddings", new { model = TestHerd.Model, input = Texts[0] });
        var encoded = await PostAsync(http, "embeddings", new { model = TestHerd.Model, input = Texts, encoding_format = "base64" });

        Assert.Equal(HttpStatusCode.OK, floats.Status);
        Assert.Equal(("list", TestHerd.Model), ((string?)floats.Json["object"], (string?)floats.Json["model"]));
        var item = floats.Json["data"]![0]!;
        Assert.Equal(("embedding", 0), ((string?)item["object"], (int)item["index"]!));
        var vector = item["embedding"]!.AsArray().Select(value => (float)value!).ToArray();
        var decoded = Convert.FromBase64String((string)encoded.Json["data"]![0]!["embedding"]!);
        Assert.Equal(vector.Length * sizeof(float), decoded.Length);
        AssertClose([.. vector], Enumerable.Range(0, vector.Length).Select(i => BitConverter.ToSingle(decoded, i * sizeof(float))).ToArray());
        Assert.Equal(2, encoded.Json["data"]!.AsArray().Count);
        var usage = floats.Json["usage"]!;
        Assert.Equal((int)usage["prompt_tokens"]!, (int)usage["total_tokens"]!);

        var records = await RecordsAsync(key, count: 2);
        Assert.All(records, record => Assert.Equal(("http", "OK", 0), (record.Door, record.Status, record.CompletionTokens)));
        Assert.Contains(records, record => record.PromptTokens == (int)usage["prompt_tokens"]!);
    }

    [Fact]
    public async Task LlmApiEmbeddings_AnswerABareArray_EqualToOpenAis()
    {
        var key = await fixture.KeyAsync("caller");
        using var http = fixture.Http(key);
        var openAi = await PostAsync(http, "embeddings", new { model = TestHerd.Model, input = Texts[1] });

        var llmApi = await PostAsync(http, "/embeddings", new { text = Texts[1] });
        var empty = await PostAsync(http, "/embeddings", new { text = "" });

        Assert.Equal(HttpStatusCode.OK, llmApi.Status);
        AssertClose(openAi.Json["data"]![0]!["embedding"]!.AsArray().Select(value => (float)value!).ToArray(), llmApi.Json.AsArray().Select(value => (float)value!).ToArray());
        Assert.Equal((HttpStatusCode.BadRequest, "text"), (empty.Status, (string?)empty.Json["error"]!["param"]));
    }

    [Theory]
    [InlineData("""{"model":"herd-tiny","input":[1,2,3]}""", "input")]
    [InlineData("""{"model":"herd-tiny","input":[[1,2]]}""", "input")]
    [InlineData("""{"model":"herd-tiny","input":[]}""", "input")]
    [InlineData("""{"model":"herd-tiny","input":{}}""", "input")]
    [InlineData("""{"model":"herd-tiny"}""", "input")]
    [InlineData("""{"model":"herd-tiny","input":"x","encoding_format":"int8"}""", "encoding_format")]
    [InlineData("""{"model":"herd-tiny","input":"x","dimensions":8}""", "dimensions")]
    [InlineData("""{"model":"herd-tiny","input":["x",""]}""", null)]
    [InlineData("""{"input":"x"}""", null)]
    public async Task BadBodies_Are400_NamingTheField(string body, string? param)
    {
        using var http = fixture.Http(await fixture.KeyAsync("caller"));

        using var response = await http.PostAsync("embeddings", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal(("invalid_request", param), ((string?)error["code"], (string?)error["param"]));
    }

    [Fact]
    public async Task TooManyTexts_Are400_AndUnknownModels404()
    {
        using var http = fixture.Http(await fixture.KeyAsync("caller"));

        var tooMany = await PostAsync(http, "embeddings", new { model = TestHerd.Model, input = Enumerable.Repeat("x", 2049).ToArray() });
        var unknown = await PostAsync(http, "embeddings", new { model = "no-such-model", input = "x" });

        Assert.Equal((HttpStatusCode.BadRequest, "input"), (tooMany.Status, (string?)tooMany.Json["error"]!["param"]));
        Assert.Equal((HttpStatusCode.NotFound, "model_not_found"), (unknown.Status, (string?)unknown.Json["error"]!["code"]));
    }

    internal static void AssertClose(IReadOnlyList<float> expected, float[] actual)
    {
        Assert.Equal(expected.Count, actual.Length);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-4f);
        }
    }

    private async Task<StreamedCompletion> ThroughGrpcAsync(string key, IEnumerable<string> texts)
    {
        var request = new CompletionRequest { Model = TestHerd.Model, Embed = new EmbedInput { Texts = { texts } } };
        return await StreamedCompletion.RunAsync(fixture.Herd.Gateways[0].Completions, request, headers: HttpHerdFixture.Bearer(key));
    }

    private static async Task<(HttpStatusCode Status, JsonNode Json)> PostAsync(HttpClient http, string path, object body)
    {
        using var response = await http.PostAsync(path, new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    /// <summary>The key's most recent records, once the ledger holds as many as asked for.</summary>
    private async Task<List<UsageRecord>> RecordsAsync(string key, int count)
    {
        var keyId = key.Split('_')[1];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            await using var ledger = fixture.Ledger.CreateContext();
            var records = await ledger.Usage.Where(record => record.KeyId == keyId && record.Model == TestHerd.Model && record.CompletionTokens == 0 && record.TimeToFirstToken == null)
                .OrderByDescending(record => record.ReceivedAt).Take(count).ToListAsync();
            if (records.Count == count)
            {
                return records;
            }

            Assert.True(DateTime.UtcNow < deadline, $"The ledger holds {records.Count} embeddings records of the key, not {count}, after 30 s.");
            await Task.Delay(100);
        }
    }
}
