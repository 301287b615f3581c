using System.Text.Json.Nodes;
using Herd.Gateway.Api.Http;
using Herd.Gateway.Failures;
using Microsoft.AspNetCore.Http;

namespace Herd.Tests.Http;

/// <summary>Every failure, whichever part of the request path raised it, as the HTTP door answers it.</summary>
public sealed class HttpFailuresTests
{
    public static TheoryData<FailureKind, int, string, string> Answers() => new()
    {
        { FailureKind.InvalidRequest, 400, "invalid_request_error", "invalid_request" },
        { FailureKind.Unauthenticated, 401, "authentication_error", "invalid_api_key" },
        { FailureKind.Forbidden, 403, "permission_error", "permission_denied" },
        { FailureKind.ModelNotServed, 404, "invalid_request_error", "model_not_found" },
        { FailureKind.PromptNotFound, 404, "invalid_request_error", "prompt_not_found" },
        { FailureKind.OverLimit, 429, "rate_limit_error", "rate_limit_exceeded" },
        { FailureKind.OverBudget, 429, "insufficient_quota", "insufficient_quota" },
        { FailureKind.QueueFull, 429, "rate_limit_error", "queue_full" },
        { FailureKind.Unavailable, 503, "server_error", "service_unavailable" },
        { FailureKind.NoNodeInTime, 503, "server_error", "no_node_in_time" },
        { FailureKind.NodeFailed, 500, "server_error", "node_failed" },
        { FailureKind.NodeBusy, 429, "rate_limit_error", "node_busy" },
        { FailureKind.NodeCannotServe, 500, "server_error", "node_cannot_serve" },
        { FailureKind.Cancelled, 499, "request_cancelled", "cancelled" },
    };

    [Fact]
    public void EveryFailureKind_HasAnAnswer()
    {
        Assert.Equal(Enum.GetValues<FailureKind>().Order(), Answers().Select(row => (FailureKind)row[0]).Order());
    }

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task WriteAsync_AnswersTheStatusAndOpenAisErrorShape(FailureKind kind, int status, string type, string code)
    {
        var (response, body) = await WriteAsync(new RequestFailure(kind, "What went wrong, in words."), param: "temperature");

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(("What went wrong, in words.", type, "temperature", code), ((string?)body["message"], (string?)body["type"], (string?)body["param"], (string?)body["code"]));
        Assert.False(response.Headers.ContainsKey("Retry-After"));
    }

    [Theory]
    [InlineData(FailureKind.OverLimit, 1500, "2", "1500")]
    [InlineData(FailureKind.QueueFull, 200, "1", "200")]
    [InlineData(FailureKind.OverBudget, 61_000, "61", "61000")]
    public async Task WriteAsync_WithRetryAfter_SaysWhenInSecondsRoundedUp_AndInMilliseconds(FailureKind kind, int milliseconds, string seconds, string exactMilliseconds)
    {
        var (response, body) = await WriteAsync(new RequestFailure(kind, "Wait.") { RetryAfter = TimeSpan.FromMilliseconds(milliseconds) }, param: null);

        Assert.Equal((seconds, exactMilliseconds), (response.Headers.RetryAfter.ToString(), response.Headers[HttpFailures.RetryAfterMillisecondsHeader].ToString()));
        Assert.True(body.AsObject().ContainsKey("param"), "param is null, not left out, as OpenAI sends it");
        Assert.Null((string?)body["param"]);
    }

    private static async Task<(HttpResponse Response, JsonNode Error)> WriteAsync(RequestFailure failure, string? param)
    {
        var http = new DefaultHttpContext();
        using var body = new MemoryStream();
        http.Response.Body = body;

        await HttpFailures.WriteAsync(http.Response, failure, param);

        return (http.Response, JsonNode.Parse(body.ToArray())!["error"]!);
    }
}
