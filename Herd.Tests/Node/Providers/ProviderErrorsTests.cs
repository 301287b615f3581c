using System.Net;
using System.Text.Json;
using Herd.Node.Link;
using Herd.Node.Providers;

namespace Herd.Tests.Node.Providers;

/// <summary>What a provider answered when it did not stream, as the status a job fails with.</summary>
public sealed class ProviderErrorsTests
{
    private const string OpenAiError = """{"error": {"message": "Model gpt-x does not exist", "type": "invalid_request_error", "code": "model_not_found"}}""";

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests, LinkStatus.ResourceExhausted, "rate limiting this node (HTTP 429)")]
    [InlineData(HttpStatusCode.Unauthorized, LinkStatus.FailedPrecondition, "refused this node's credentials (HTTP 401)")]
    [InlineData(HttpStatusCode.Forbidden, LinkStatus.FailedPrecondition, "refused this node's credentials (HTTP 403)")]
    [InlineData(HttpStatusCode.BadRequest, LinkStatus.InvalidArgument, "refused the request (HTTP 400): Model gpt-x does not exist")]
    [InlineData(HttpStatusCode.NotFound, LinkStatus.NotFound, "does not serve model 'gpt-x' (HTTP 404)")]
    [InlineData(HttpStatusCode.InternalServerError, LinkStatus.Unavailable, "unavailable (HTTP 500)")]
    [InlineData(HttpStatusCode.ServiceUnavailable, LinkStatus.Unavailable, "unavailable (HTTP 503)")]
    public void FromResponse_MapsTheHttpStatus_AndKeepsTheProvidersMessage(HttpStatusCode status, int expected, string message)
    {
        using var response = new HttpResponseMessage(status);

        var error = ProviderErrors.FromResponse(status, response.Headers, OpenAiError, "gpt-x");

        Assert.Equal(expected, error.Status);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, error.BadCredentials);
    }

    [Fact]
    public void FromResponse_429_CarriesTheRetryHint_MillisecondsFirst()
    {
        using var seconds = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        seconds.Headers.Add("Retry-After", "7");
        using var milliseconds = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        milliseconds.Headers.Add("Retry-After", "7");
        milliseconds.Headers.Add("retry-after-ms", "6500");

        Assert.Equal(TimeSpan.FromSeconds(7), ProviderErrors.FromResponse(HttpStatusCode.TooManyRequests, seconds.Headers, "", "m").RetryAfter);
        Assert.Equal(TimeSpan.FromMilliseconds(6500), ProviderErrors.FromResponse(HttpStatusCode.TooManyRequests, milliseconds.Headers, "", "m").RetryAfter);
    }

    [Fact]
    public void FromResponse_ABodyThatIsNotJson_IsTheMessage()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.BadGateway);

        Assert.Contains("upstream connect error", ProviderErrors.FromResponse(HttpStatusCode.BadGateway, response.Headers, "upstream connect error", "m").Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"message": "slow down", "type": "rate_limit_error"}""", LinkStatus.ResourceExhausted)]
    [InlineData("""{"message": "bad key", "type": "authentication_error", "code": "invalid_api_key"}""", LinkStatus.FailedPrecondition)]
    [InlineData("""{"message": "no such model", "type": "invalid_request_error", "code": "model_not_found"}""", LinkStatus.NotFound)]
    [InlineData("""{"message": "too long", "type": "invalid_request_error", "code": "invalid_request"}""", LinkStatus.InvalidArgument)]
    [InlineData("""{"message": "No node took the job", "type": "server_error", "code": "no_node_in_time"}""", LinkStatus.Unavailable)]
    public void FromErrorEvent_MapsOpenAisErrorType(string error, int expected)
    {
        using var json = JsonDocument.Parse(error);

        Assert.Equal(expected, ProviderErrors.FromErrorEvent(json.RootElement).Status);
    }
}
