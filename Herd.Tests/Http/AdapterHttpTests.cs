using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Herd.Gateway.Adapters;
using Herd.Tests.Gateway.Adapters;
using Herd.Tests.Node.Serving;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Models;

namespace Herd.Tests.Http;

/// <summary>
/// Models with adapters through the HTTP door: OpenAI's own client calls <c>herd-tiny:auto</c>
/// unchanged, each choice's <c>adapters</c> says what ran (whole, and on a stream's finishing
/// chunk), <c>top_experts</c> is read strictly, and <c>/v1/models</c> lists what the key's role may use.
/// </summary>
[Collection(WithAdapterHerd.Name)]
public sealed class AdapterHttpTests(AdapterHerdFixture fixture)
{
    private const string Model = AdapterHerdFixture.Model;
    private static readonly string Auto = AdapterModelName.Of(Model, AdapterModelName.Auto);

    [Fact]
    public async Task OpenAiClient_Auto_Answers_AndTheRawAnswerSaysWhichExpertRan()
    {
        var key = await fixture.KeyAsync("caller");
        var client = new ChatClient(Auto, new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = fixture.BaseUrl });

        var result = await client.CompleteChatAsync([new UserChatMessage(ServedModelAdapterTests.Samples["code"][2])], new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 4 });

        Assert.Equal(Auto, result.Value.Model);
        Assert.NotNull(result.Value.Content[0].Text);
        var raw = JsonNode.Parse(result.GetRawResponse().Content.ToString())!;
        var used = Assert.Single(raw["choices"]![0]!["adapters"]!.AsArray())!;
        Assert.Equal(("code", AdapterHerdFixture.AdapterOf("code"), 1.0), ((string?)used["expert"], (string?)used["adapter"], (double?)used["weight"]));
        Assert.True((double?)used["distance"] >= 0);
    }

    [Fact]
    public async Task ChatStreamed_TopExperts_TheFinishingChunkCarriesTheAdapters()
    {
        using var http = Http(await fixture.KeyAsync("caller"));

        var chunks = await StreamAsync(http, "chat/completions", new
        {
            model = Auto,
            top_experts = 2,
            temperature = 0,
            max_tokens = 4,
            stream = true,
            messages = new[] { new { role = "user", content = ServedModelAdapterTests.Samples["creative"][0] } },
        });

        var finishing = Assert.Single(chunks, chunk => chunk["choices"]![0]!["finish_reason"] is not null);
        var adapters = finishing["choices"]![0]!["adapters"]!.AsArray();
        Assert.Equal(2, adapters.Count);
        Assert.Equal("creative", (string?)adapters[0]!["expert"]);
        Assert.Equal(1.0, adapters.Sum(adapter => (double)adapter!["weight"]!), 9);
        Assert.All(chunks.Where(chunk => chunk != finishing), chunk => Assert.Null(chunk["choices"]![0]!["adapters"]));
    }

    [Fact]
    public async Task TextCompletion_NamedAdapter_Whole_SaysItRan_AndTheBaseModelsAnswerHasNoAdapters()
    {
        using var http = Http(await fixture.KeyAsync("caller"));

        var adapted = await PostAsync(http, "completions", new { model = AdapterModelName.Of(Model, AdapterHerdFixture.Style), prompt = "The herd moves", max_tokens = 3 });
        var plain = await PostAsync(http, "completions", new { model = Model, prompt = "The herd moves", max_tokens = 3 });

        var used = Assert.Single(adapted["choices"]![0]!["adapters"]!.AsArray())!;
        Assert.Equal((AdapterHerdFixture.Style, 1.0), ((string?)used["adapter"], (double?)used["weight"]));
        Assert.False(used.AsObject().ContainsKey("expert"), "a named adapter was chosen as no expert");
        Assert.False(plain["choices"]![0]!.AsObject().ContainsKey("adapters"), "a base model's answer keeps OpenAI's shape");
    }

    [Theory]
    [InlineData("\"two\"", HttpStatusCode.BadRequest, "top_experts")]
    [InlineData("1.5", HttpStatusCode.BadRequest, "top_experts")]
    [InlineData("17", HttpStatusCode.BadRequest, "top_experts must be in [0, 16]")]
    public async Task TopExperts_OfTheWrongTypeOrOutOfRange_IsA400(string value, HttpStatusCode status, string says)
    {
        using var http = Http(await fixture.KeyAsync("caller"));
        using var body = new StringContent($$"""{"model": "{{Auto}}", "prompt": "x", "top_experts": {{value}}}""", System.Text.Encoding.UTF8, "application/json");

        using var response = await http.PostAsync("completions", body);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("invalid_request", (string?)error["code"]);
        Assert.Contains(says, (string?)error["message"] + (string?)error["param"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Models_ListEachAdapterAndAuto_AsFarAsTheRoleAllows()
    {
        var everything = await ModelIdsAsync(await fixture.KeyAsync("caller"));
        var coder = await ModelIdsAsync(await fixture.KeyAsync("coder"));
        var closed = await ModelIdsAsync(await fixture.KeyAsync("closed"));

        string[] all = [Model, Auto, AdapterModelName.Of(Model, AdapterHerdFixture.Style), .. ServedModelAdapterTests.Samples.Keys.Select(kind => AdapterModelName.Of(Model, AdapterHerdFixture.AdapterOf(kind)))];
        Assert.Equal(all.Order(StringComparer.Ordinal), everything.Order(StringComparer.Ordinal));
        Assert.Equal([Model, AdapterModelName.Of(Model, AdapterHerdFixture.AdapterOf("code")), Auto], coder.Order(StringComparer.Ordinal));
        Assert.Equal([Model], closed);
    }

    private async Task<List<string>> ModelIdsAsync(string key)
    {
        var client = new OpenAIModelClient(new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = fixture.BaseUrl });
        return [.. (await client.GetModelsAsync()).Value.Select(model => model.Id)];
    }

    private HttpClient Http(string key)
    {
        var client = new HttpClient { BaseAddress = fixture.BaseUrl, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static async Task<JsonNode> PostAsync(HttpClient http, string route, object body)
    {
        using var response = await http.PostAsJsonAsync(route, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonNode.Parse(text)!;
    }

    /// <summary>The stream's chunks that have choices, in order, up to <c>[DONE]</c>.</summary>
    private static async Task<List<JsonNode>> StreamAsync(HttpClient http, string route, object body)
    {
        using var response = await http.PostAsJsonAsync(route, body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var chunks = new List<JsonNode>();
        foreach (var line in (await response.Content.ReadAsStringAsync()).Split('\n'))
        {
            if (line.StartsWith("data: {", StringComparison.Ordinal) && JsonNode.Parse(line["data: ".Length..]) is { } chunk && chunk["choices"]!.AsArray().Count > 0)
            {
                chunks.Add(chunk);
            }
        }

        return chunks;
    }
}
