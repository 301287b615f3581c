using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Herd.Gateway.Api.Http.Explorer;
using Herd.Gateway.Api.Http.LlmApi;
using Herd.Gateway.Api.Http.OpenAi;
using Herd.Tests.Fixtures;
using Microsoft.OpenApi;
using Microsoft.Playwright;

namespace Herd.Tests.Http;

/// <summary>
/// The HTTP door's OpenAPI document as a client generator reads it, and the explorer page in a
/// real browser calling the real herd with a real key, on a machine with no way out.
/// </summary>
[Collection(WithHttpHerd.Name)]
public sealed partial class ExplorerTests(HttpHerdFixture fixture)
{
    /// <summary>How long the page may take to load its 5 MB script and render the document.</summary>
    private const float PageTimeoutMs = 60_000;

    private static readonly string[] Routes =
    [
        $"POST {OpenAiEndpoints.ChatPath}",
        $"POST {OpenAiEndpoints.TextPath}",
        $"GET {OpenAiEndpoints.ModelsPath}",
        $"GET {OpenAiEndpoints.ModelsPath}/{{id}}",
        $"POST {OpenAiEndpoints.EmbeddingsPath}",
        $"POST {LlmApiEndpoints.GeneratePath}",
        $"POST {LlmApiEndpoints.StreamingGeneratePath}",
        $"POST {LlmApiEndpoints.EmbeddingsPath}",
    ];

    /// <summary>
    /// A name the browser resolves to the gateway's loopback address: Scalar sends calls to
    /// loopback addresses (and names under .test, .localhost and the like) directly even with a
    /// proxy set, so only under another name would the test see one.
    /// </summary>
    private const string GatewayHost = "gateway.herd";

    private Uri Origin => new($"http://127.0.0.1:{fixture.Herd.Gateways[0].HttpPort}");

    private Uri BrowserOrigin => new($"http://{GatewayHost}:{fixture.Herd.Gateways[0].HttpPort}");

    [Fact]
    public async Task Document_WithoutAKey_ListsEveryRoute_WithItsBearerKey_SummaryAndErrors()
    {
        var document = await ReadDocumentAsync();

        var routes = document.Paths.SelectMany(path => path.Value.Operations!.Select(operation => $"{operation.Key.Method} {path.Key}"));
        Assert.Equal(Routes.Order(StringComparer.Ordinal), routes.Order(StringComparer.Ordinal));
        var scheme = Assert.IsType<OpenApiSecurityScheme>(document.Components!.SecuritySchemes![BearerKeys.SchemeName]);
        Assert.Equal(SecuritySchemeType.Http, scheme.Type);
        Assert.Equal("bearer", scheme.Scheme);
        foreach (var (path, item) in document.Paths)
        {
            foreach (var (method, operation) in item.Operations!)
            {
                var route = $"{method} {path}";
                Assert.False(string.IsNullOrWhiteSpace(operation.Summary), $"{route} has no summary.");
                Assert.False(string.IsNullOrWhiteSpace(operation.Description), $"{route} has no description.");
                var requirement = Assert.Single(operation.Security!);
                Assert.Equal(BearerKeys.SchemeName, Assert.Single(requirement.Keys).Reference.Id);
                Assert.Contains("200", operation.Responses!.Keys);
                foreach (var status in new[] { "401", "403", "503" })
                {
                    var error = operation.Responses[status].Content!["application/json"].Schema;
                    Assert.Equal(nameof(Herd.Gateway.Api.Http.ErrorBody), Assert.IsType<OpenApiSchemaReference>(error).Reference.Id);
                }
            }
        }

        var chat = document.Paths[OpenAiEndpoints.ChatPath].Operations![HttpMethod.Post];
        Assert.Equal(["400", "401", "403", "404", "429", "500", "503"], chat.Responses!.Keys.Where(status => status != "200").Order(StringComparer.Ordinal));
        Assert.Equal(["application/json", "text/event-stream"], chat.Responses["200"].Content!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(nameof(ChatCompletionBody), Assert.IsType<OpenApiSchemaReference>(chat.RequestBody!.Content!["application/json"].Schema).Reference.Id);
    }

    [Fact]
    public async Task Document_Schemas_HaveTheNamesOnTheWire_AndNumbersAsNumbers()
    {
        var document = await ReadDocumentAsync();
        var schemas = document.Components!.Schemas!;

        var chat = schemas[nameof(ChatCompletionBody)].Properties!;
        foreach (var name in new[] { "max_tokens", "max_completion_tokens", "stream_options", "top_p", "logit_bias", "presence_penalty", "top_logprobs" })
        {
            Assert.Contains(name, chat.Keys);
        }

        Assert.DoesNotContain(chat.Keys, name => name.Any(char.IsUpper));
        Assert.Equal(["include_usage"], schemas[nameof(StreamOptionsBody)].Properties!.Keys);
        Assert.Equal(["completion_tokens", "prompt_tokens", "total_tokens"], schemas[nameof(UsageBody)].Properties!.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("owned_by", schemas[nameof(ModelBody)].Properties!.Keys);
        Assert.Contains("finish_reason", schemas[nameof(ChatChoice)].Properties!.Keys);
        Assert.Contains("encoding_format", schemas[nameof(EmbeddingBody)].Properties!.Keys);
        // The door refuses a quoted number, so the schema does not offer one.
        Assert.Equal(JsonSchemaType.Integer | JsonSchemaType.Null, chat["max_tokens"].Type);
        // The streamed chunk's schema is inline, nested types and all: its names too are the wire's.
        var events = document.Paths[OpenAiEndpoints.ChatPath].Operations![HttpMethod.Post].Responses!["200"].Content!["text/event-stream"].Schema!;
        var choice = events.Properties!["choices"].Items!;
        Assert.Contains("finish_reason", choice.Properties!.Keys);
        Assert.Contains("prompt_tokens", events.Properties["usage"].Properties!.Keys);
        // The dashboard's own JSON (camelCase, for its page) is not part of the door's document.
        Assert.DoesNotContain(document.Paths.Keys, path => path.StartsWith("/dashboard", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Explorer_WithARealKey_ListsTheModelsFromTheBrowser_StraightToTheGateway()
    {
        var key = await fixture.KeyAsync("caller");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright, $"--host-resolver-rules=MAP {GatewayHost} 127.0.0.1");
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        // Anything the page asks of another host is refused and remembered: it must need none.
        var elsewhere = new ConcurrentQueue<string>();
        await context.RouteAsync("**/*", route =>
        {
            if (new Uri(route.Request.Url).GetLeftPart(UriPartial.Authority) == BrowserOrigin.GetLeftPart(UriPartial.Authority))
            {
                return route.ContinueAsync();
            }

            elsewhere.Enqueue(route.Request.Url);
            return route.AbortAsync();
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(PageTimeoutMs);

        var opened = await page.GotoAsync(new Uri(BrowserOrigin, ExplorerExtensions.PagePath).ToString());
        await page.GetByPlaceholder("Token").First.FillAsync(key);
        // The page renders an operation once it is scrolled to: the sidebar takes it there.
        await page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "List models" }).First.ClickAsync();
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { NameRegex = TestRequestButton() }).First.ClickAsync();
        var answer = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { NameRegex = SendButton() }).First.ClickAsync(),
            response => response.Request.Method == "GET" && response.Url.EndsWith(OpenAiEndpoints.ModelsPath, StringComparison.Ordinal));

        Assert.Equal((int)HttpStatusCode.OK, opened?.Status);
        Assert.Equal(new Uri(BrowserOrigin, OpenAiEndpoints.ModelsPath).ToString(), answer.Url);
        Assert.Equal("Bearer " + key, await answer.Request.HeaderValueAsync("authorization"));
        Assert.Equal((int)HttpStatusCode.OK, answer.Status);
        using var models = JsonDocument.Parse(await answer.BodyAsync());
        Assert.Contains(TestHerd.Model, models.RootElement.GetProperty("data").EnumerateArray().Select(model => model.GetProperty("id").GetString()));
        // The page shows what came back.
        await page.GetByText("200 OK").First.WaitForAsync();
        await page.GetByText($"\"{TestHerd.Model}\"").First.WaitForAsync();
        Assert.Empty(elsewhere);
    }

    [Fact]
    public async Task Explorer_TurnedOff_ServesNeitherPageNorDocument_AndTheDoorStillAnswers()
    {
        // A second gateway of the same herd, with access control off (it needs no ledger) and the explorer off.
        await using var gateway = GatewayProcess.Start("gateway-without-explorer", fixture.Herd.Redis.ConnectionString, new Dictionary<string, string>
        {
            ["Herd__Gateway__Explorer__Enabled"] = "false",
        });
        await gateway.Process.WaitUntilStartedAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{gateway.HttpPort}") };

        using var document = await http.GetAsync(ExplorerExtensions.DocumentPath);
        using var page = await http.GetAsync(ExplorerExtensions.PagePath + "/");
        using var models = await http.GetAsync(OpenAiEndpoints.ModelsPath);

        Assert.Equal(HttpStatusCode.NotFound, document.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
    }

    [GeneratedRegex(@"^Test Request\s*\(get \/v1\/models\)$")]
    private static partial Regex TestRequestButton();

    [GeneratedRegex(@"^Send\b")]
    private static partial Regex SendButton();

    private async Task<OpenApiDocument> ReadDocumentAsync()
    {
        using var http = new HttpClient { BaseAddress = Origin };
        using var response = await http.GetAsync(ExplorerExtensions.DocumentPath);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (document, diagnostic) = OpenApiDocument.Parse(await response.Content.ReadAsStringAsync(), OpenApiConstants.Json);
        Assert.Empty(diagnostic?.Errors ?? []);
        return Assert.IsType<OpenApiDocument>(document);
    }
}
