using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herd.Gateway.Ledger;
using Herd.Node.Tokenization;
using Herd.Tests.Fixtures;
using Herd.Tests.Mesh;
using Microsoft.EntityFrameworkCore;

namespace Herd.Tests.Http;

/// <summary>
/// The HTTP door as a plain HTTP client sees it: text completions whole and streamed, several
/// choices, stop sequences and logprobs; every error in OpenAI's shape with the status a client
/// expects; hostile bodies; a client that leaves mid-stream; and the ledger's record of each.
/// </summary>
[Collection(WithHttpHerd.Name)]
public sealed class HttpDoorTests(HttpHerdFixture fixture)
{
    private const string Prompt = "Once upon a time";

    [Fact]
    public async Task Text_Whole_EqualsGrpc_AndTwoChoicesEachAnswerIt()
    {
        var key = await fixture.KeyAsync("caller");
        var expected = await StreamedCompletion.RunAsync(fixture.Herd.Gateways[0].Completions, MeshClient.Request(Prompt, 10), headers: HttpHerdFixture.Bearer(key));
        using var http = fixture.Http(key);

        var answer = await PostAsync(http, "completions", new { model = TestHerd.Model, prompt = Prompt, max_tokens = 10, temperature = 0, n = 2 });

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("text_completion", (string?)answer.Json["object"]);
        var choices = answer.Json["choices"]!.AsArray();
        Assert.Equal([0, 1], choices.Select(choice => (int)choice!["index"]!));
        Assert.All(choices, choice => Assert.Equal(expected.Text, (string?)choice!["text"]));
        Assert.Equal(2 * expected.Done.Usage.CompletionTokens, (int)answer.Json["usage"]!["completion_tokens"]!);
        Assert.Equal((int)answer.Json["usage"]!["prompt_tokens"]! + (int)answer.Json["usage"]!["completion_tokens"]!, (int)answer.Json["usage"]!["total_tokens"]!);
    }

    [Fact]
    public async Task Text_Streamed_IsServerSentEvents_EndingWithUsageAndDone_AndEqualsGrpc()
    {
        var key = await fixture.KeyAsync("caller");
        var expected = await StreamedCompletion.RunAsync(fixture.Herd.Gateways[0].Completions, MeshClient.Request(Prompt, 10), headers: HttpHerdFixture.Bearer(key));
        using var http = fixture.Http(key);

        using var response = await http.PostAsync("completions", Json(new { model = TestHerd.Model, prompt = Prompt, max_tokens = 10, temperature = 0, stream = true, stream_options = new { include_usage = true } }));
        var events = await ReadEventsAsync(response);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(data => JsonNode.Parse(data)!).ToList();
        var usage = chunks[^1]["usage"]!;
        Assert.Empty(chunks[^1]["choices"]!.AsArray());
        var text = string.Concat(chunks[..^1].Select(chunk => (string?)chunk["choices"]![0]!["text"]));
        Assert.Equal(expected.Text, text);
        Assert.Equal(expected.TokenIds.Count, (int)usage["completion_tokens"]!);
        Assert.Equal(OpenAiFinish(expected), (string?)chunks[^2]["choices"]![0]!["finish_reason"]);
        Assert.All(chunks[..^2], chunk => Assert.Null(chunk["choices"]![0]!["finish_reason"]));
    }

    [Fact]
    public async Task Http2_ByAlpnOverTls_AndWithPriorKnowledgeOnTheGrpcEndpoint_StreamsTheSameAnswer_AsHttp1()
    {
        var key = await fixture.KeyAsync("caller");
        var expected = await StreamedCompletion.RunAsync(fixture.Herd.Gateways[0].Completions, MeshClient.Request(Prompt, 8), headers: HttpHerdFixture.Bearer(key));
        var body = new { model = TestHerd.Model, prompt = Prompt, max_tokens = 8, temperature = 0, stream = true };

        var answers = new List<(string Scheme, Version Version, string Text)>();
        foreach (var (baseUrl, version) in new[]
        {
            (fixture.HttpsUrl, HttpVersion.Version20),
            (fixture.HttpsUrl, HttpVersion.Version11),
            (fixture.H2cUrl, HttpVersion.Version20),
            (fixture.BaseUrl, HttpVersion.Version11),
        })
        {
            using var http = fixture.Http(key, baseUrl);
            // Exact: an endpoint without the version fails the call instead of falling back.
            using var request = new HttpRequestMessage(HttpMethod.Post, "completions") { Content = Json(body), Version = version, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            var events = await ReadEventsAsync(response);
            answers.Add((baseUrl.Scheme, response.Version, string.Concat(events[..^1].Select(data => (string?)JsonNode.Parse(data)!["choices"]![0]!["text"]))));
        }

        Assert.Equal(
            [("https", HttpVersion.Version20, expected.Text), ("https", HttpVersion.Version11, expected.Text), ("http", HttpVersion.Version20, expected.Text), ("http", HttpVersion.Version11, expected.Text)],
            answers);
    }

    [Fact]
    public async Task Text_StopSequence_EndsTheTextBeforeIt_AndLogprobsCoverEachToken()
    {
        var key = await fixture.KeyAsync("caller");
        var expected = await StreamedCompletion.RunAsync(fixture.Herd.Gateways[0].Completions, MeshClient.Request(Prompt, 16), headers: HttpHerdFixture.Bearer(key));
        var (stop, at) = StopPoint.In(expected.Text);
        using var http = fixture.Http(key);

        var stopped = await PostAsync(http, "completions", new { model = TestHerd.Model, prompt = Prompt, max_tokens = 16, temperature = 0, stop });
        var withLogprobs = await PostAsync(http, "completions", new { model = TestHerd.Model, prompt = Prompt, max_tokens = 5, temperature = 0, logprobs = 3 });

        Assert.Equal(expected.Text[..at], (string?)stopped.Json["choices"]![0]!["text"]);
        Assert.Equal("stop", (string?)stopped.Json["choices"]![0]!["finish_reason"]);
        var logprobs = withLogprobs.Json["choices"]![0]!["logprobs"]!;
        var tokens = (int)withLogprobs.Json["usage"]!["completion_tokens"]!;
        Assert.Equal(tokens, logprobs["tokens"]!.AsArray().Count);
        Assert.Equal(tokens, logprobs["token_logprobs"]!.AsArray().Count);
        Assert.All(logprobs["top_logprobs"]!.AsArray(), top => Assert.Equal(3, top!.AsObject().Count));
        Assert.Equal(0, (int)logprobs["text_offset"]![0]!);
    }

    [Fact]
    public async Task EveryRequest_LandsInTheLedger_MarkedHttp()
    {
        var key = await fixture.KeyAsync("caller");
        using var http = fixture.Http(key);

        var answer = await PostAsync(http, "chat/completions", new { model = TestHerd.Model, messages = new[] { new { role = "user", content = "hi" } }, max_tokens = 2 });
        var record = await RecordAsync((string)answer.Json["id"]!);

        Assert.Equal(("http", "OK"), (record.Door, record.Status));
        Assert.Equal((int)answer.Json["usage"]!["completion_tokens"]!, record.CompletionTokens);
    }

    [Fact]
    public async Task Errors_HaveTheStatusAClientExpects_InOpenAisShape()
    {
        var caller = await fixture.KeyAsync("caller");
        var grpcOnly = await fixture.KeyAsync("grpc-only");
        var llamaOnly = await fixture.KeyAsync("llama-only");
        var chat = new { model = TestHerd.Model, messages = new[] { new { role = "user", content = "hi" } }, max_tokens = 1 };

        using (var anonymous = fixture.Http(key: null))
        {
            await AssertErrorAsync(await PostAsync(anonymous, "chat/completions", chat), HttpStatusCode.Unauthorized, "invalid_api_key", null);
        }

        using (var unknown = fixture.Http("herd_abcdefghij01_" + new string('A', 43)))
        {
            await AssertErrorAsync(await PostAsync(unknown, "chat/completions", chat), HttpStatusCode.Unauthorized, "invalid_api_key", null);
        }

        using (var forbidden = fixture.Http(grpcOnly))
        {
            var refused = await PostAsync(forbidden, "chat/completions", chat);
            await AssertErrorAsync(refused, HttpStatusCode.Forbidden, "permission_denied", null);
            Assert.Contains("http/v1/chat/completions", (string?)refused.Json["error"]!["message"], StringComparison.Ordinal);
        }

        using (var llama = fixture.Http(llamaOnly))
        {
            await AssertErrorAsync(await PostAsync(llama, "chat/completions", chat), HttpStatusCode.Forbidden, "permission_denied", null);
        }

        using var http = fixture.Http(caller);
        await AssertErrorAsync(await PostAsync(http, "chat/completions", new { model = "no-such-model", messages = chat.messages }), HttpStatusCode.NotFound, "model_not_found", null);
        await AssertErrorAsync(await PostAsync(http, "chat/completions", new { chat.model, chat.messages, tools = new[] { new { type = "function" } } }), HttpStatusCode.BadRequest, "invalid_request", "tools");
        await AssertErrorAsync(await PostAsync(http, "chat/completions", new { chat.model, chat.messages, response_format = new { type = "json_schema" } }), HttpStatusCode.BadRequest, "invalid_request", "response_format");
        await AssertErrorAsync(await PostAsync(http, "chat/completions", new { chat.model, messages = new[] { new { role = "user", content = new object[] { new { type = "image_url", image_url = new { url = "http://x" } } } } } }), HttpStatusCode.BadRequest, "invalid_request", "messages[0].content[0]");
        await AssertErrorAsync(await PostAsync(http, "chat/completions", new { chat.model, chat.messages, temperature = -1 }), HttpStatusCode.BadRequest, "invalid_request", null);
        await AssertErrorAsync(await PostAsync(http, "completions", new { model = TestHerd.Model, prompt = "x", n = 17 }), HttpStatusCode.BadRequest, "invalid_request", "n");
        await AssertErrorAsync(await PostAsync(http, "models/no-such-model", body: null), HttpStatusCode.NotFound, "model_not_found", null);
    }

    [Fact]
    public async Task NoNodeOfTheRolesGroups_Is503NoNodeInTime_AfterTheQueuesMaximumWait()
    {
        using var http = fixture.Http(await fixture.KeyAsync("nowhere"));

        var answer = await PostAsync(http, "chat/completions", new { model = TestHerd.Model, messages = new[] { new { role = "user", content = "hi" } }, max_tokens = 1 });

        await AssertErrorAsync(answer, HttpStatusCode.ServiceUnavailable, "no_node_in_time", null);
        Assert.Contains("within 5 s", (string?)answer.Json["error"]!["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Limit_Is429_WithRetryAfter()
    {
        var key = await fixture.KeyAsync("once");
        using var http = fixture.Http(key);
        var chat = new { model = TestHerd.Model, messages = new[] { new { role = "user", content = "hi" } }, max_tokens = 1 };

        var first = await PostAsync(http, "chat/completions", chat);
        using var second = await http.PostAsync("chat/completions", Json(chat));
        var body = JsonNode.Parse(await second.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal("rate_limit_exceeded", (string?)body["error"]!["code"]);
        Assert.True(second.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.True(second.Headers.Contains("retry-after-ms"));
    }

    [Theory]
    [InlineData("not json", null)]
    [InlineData("{\"model\": \"herd-tiny\", \"messages\": ", "messages")]
    [InlineData("{\"model\": \"herd-tiny\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"temperature\": \"hot\"}", "temperature")]
    [InlineData("{\"model\": 42, \"messages\": []}", "model")]
    [InlineData("{\"model\": \"herd-tiny\", \"messages\": \"hi\"}", "messages")]
    [InlineData("[1, 2, 3]", null)]
    [InlineData("null", null)]
    public async Task MalformedBodies_Are400_NamingTheField(string body, string? param)
    {
        var key = await fixture.KeyAsync("caller");
        using var http = fixture.Http(key);

        using var response = await http.PostAsync("chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", (string?)error["type"]);
        Assert.Equal(param, (string?)error["param"]);
        Assert.False(string.IsNullOrEmpty((string?)error["message"]));
    }

    [Fact]
    public async Task HostileBodies_Are400_AndTheGatewayKeepsServing()
    {
        var key = await fixture.KeyAsync("caller");
        using var http = fixture.Http(key);
        var deep = new string('[', 10_000) + new string(']', 10_000);
        var invalidUtf8 = Encoding.UTF8.GetBytes("{\"model\": \"herd-tiny\", \"messages\": [{\"role\": \"user\", \"content\": \"").Concat(new byte[] { 0xFF, 0xFE, 0xC3, 0x28 }).Concat(Encoding.UTF8.GetBytes("\"}]}")).ToArray();
        var huge = "{\"model\": \"herd-tiny\", \"prompt\": \"" + new string('a', 17 * 1024 * 1024) + "\"}";

        foreach (var (path, content) in new (string, HttpContent)[]
        {
            ("chat/completions", new StringContent("{\"messages\": " + deep + "}", Encoding.UTF8, "application/json")),
            ("chat/completions", new ByteArrayContent(invalidUtf8)),
            ("completions", new StringContent(huge, Encoding.UTF8, "application/json")),
            ("completions", new ByteArrayContent(Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 251)).ToArray())),
            ("embeddings", new StringContent("{\"input\": " + deep + "}", Encoding.UTF8, "application/json")),
            ("embeddings", new StringContent("{\"model\": \"herd-tiny\", \"input\": {\"text\": [true]}}", Encoding.UTF8, "application/json")),
            ("/embeddings", new StringContent("{\"text\": " + deep + "}", Encoding.UTF8, "application/json")),
            ("/embeddings", new ByteArrayContent([0x7B, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3A, 0x22, 0xC0, 0xAF, 0x22, 0x7D])),
        })
        {
            // With 100-continue a client waits for the gateway's word before sending a body it refuses.
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
            request.Headers.ExpectContinue = true;
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("invalid_request_error", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["type"]);
        }

        var served = await PostAsync(http, "completions", new { model = TestHerd.Model, prompt = Prompt, max_tokens = 1 });
        Assert.Equal(HttpStatusCode.OK, served.Status);
    }

    [Fact]
    public async Task ClientLeavingMidStream_FreesTheSequence_AndTheRecordSaysCancelled()
    {
        var key = await fixture.KeyAsync("caller");
        using var http = fixture.Http(key);
        // No draining: disposing the response closes the connection, as a client that goes away does.
        using var leavingClient = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = fixture.BaseUrl };
        leavingClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        // End-of-text and end-of-turn banned: the answer would run to the context's end.
        var neverEnding = new Dictionary<string, int> { [$"{HerdTinyTokenizer.EndOfTextId}"] = -100, [$"{HerdTinyTokenizer.EndOfTurnId}"] = -100 };
        string id;

        using (var request = new HttpRequestMessage(HttpMethod.Post, "completions") { Content = Json(new { model = TestHerd.Model, prompt = Prompt, temperature = 1, max_tokens = 1_000_000, logit_bias = neverEnding, stream = true }) })
        using (var response = await leavingClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            var first = await reader.ReadLineAsync() ?? throw new InvalidOperationException("The stream ended at once.");
            id = (string)JsonNode.Parse(first["data: ".Length..])!["id"]!;
        }

        var record = await RecordAsync(id);
        // The node is free again: another request is served.
        var served = await PostAsync(http, "completions", new { model = TestHerd.Model, prompt = Prompt, max_tokens = 1 });

        Assert.Equal(("CANCELLED", "http", "cancelled"), (record.Status, record.Door, record.FinishReason));
        Assert.Equal(HttpStatusCode.OK, served.Status);
    }

    [Fact]
    public async Task LlmApiRoutes_AnswerAsLangchainLlmApiReadsThem()
    {
        var key = await fixture.KeyAsync("caller");
        var expected = await StreamedCompletion.RunAsync(fixture.Herd.Gateways[0].Completions, MeshClient.Request(Prompt, 8), headers: HttpHerdFixture.Bearer(key));
        using var http = fixture.Http(key);
        http.BaseAddress = new Uri(fixture.BaseUrl, "/");
        var body = new { prompt = Prompt, @params = new { n_predict = 8, temp = 0, stop = Array.Empty<string>() } };

        using var generated = await http.PostAsync("generate", Json(body));
        using var whole = await http.PostAsync("agenerate", Json(body));
        using var streaming = new HttpRequestMessage(HttpMethod.Post, "agenerate") { Content = Json(body) };
        streaming.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var streamed = await http.SendAsync(streaming);
        using var unnamed = await http.PostAsync("generate", Json(new { prompt = "" }));

        Assert.Equal(expected.Text, await generated.Content.ReadAsStringAsync());
        Assert.Equal(expected.Text, await whole.Content.ReadAsStringAsync());
        // An event's data lines join with new lines, as an SSE client reads them.
        var events = (await streamed.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(frame => string.Join('\n', frame.Split('\n').Select(line => line["data: ".Length..])));
        Assert.Equal(expected.Text, string.Concat(events));
        Assert.Equal(HttpStatusCode.BadRequest, unnamed.StatusCode);
    }

    private static string OpenAiFinish(StreamedCompletion completion) =>
        completion.Done.FinishReason == Contracts.V1.FinishReason.Length ? "length" : "stop";

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static async Task<(HttpStatusCode Status, JsonNode Json)> PostAsync(HttpClient http, string path, object? body)
    {
        using var response = body is null ? await http.GetAsync(path) : await http.PostAsync(path, Json(body));
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private static Task AssertErrorAsync((HttpStatusCode Status, JsonNode Json) answer, HttpStatusCode status, string code, string? param)
    {
        Assert.Equal(status, answer.Status);
        var error = answer.Json["error"]!;
        Assert.Equal(code, (string?)error["code"]);
        Assert.Equal(param, (string?)error["param"]);
        Assert.False(string.IsNullOrEmpty((string?)error["message"]));
        Assert.False(string.IsNullOrEmpty((string?)error["type"]));
        return Task.CompletedTask;
    }

    private static async Task<List<string>> ReadEventsAsync(HttpResponseMessage response)
    {
        var events = new List<string>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add(line["data: ".Length..]);
            }
            else
            {
                Assert.Equal(string.Empty, line);
            }
        }

        return events;
    }

    private async Task<UsageRecord> RecordAsync(string clientRequestId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            await using var ledger = fixture.Ledger.CreateContext();
            if (await ledger.Usage.FirstOrDefaultAsync(record => record.ClientRequestId == clientRequestId) is { } record)
            {
                return record;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No usage record for {clientRequestId} within 30 s.");
            }

            await Task.Delay(100);
        }
    }
}
