using System.Net.Mime;
using Microsoft.AspNetCore.Http.Metadata;

namespace Herd.Gateway.Api.Http;

/// <summary>
/// What the OpenAPI document says of a route of the HTTP door beside its body and answer: its
/// group, a summary, a description and the failures it answers in OpenAI's error shape
/// (<see cref="HttpFailures"/>). The routes read and write their bodies themselves, so each
/// declares them with <see cref="AcceptsBody{TBody}"/> and <c>Produces&lt;T&gt;</c> next to this.
/// </summary>
/// <remarks>
/// A new route of the door takes two lines after its handler:
/// <c>.AcceptsBody&lt;TBody&gt;().Produces&lt;TAnswer&gt;(contentType: Json)</c> and
/// <c>.Documented(tag, summary, description, CompletionFailures)</c>. With its types in
/// <see cref="HttpJson"/>, their schemas get the names they have on the wire by themselves.
/// </remarks>
public static class HttpRouteDocs
{
    public const string Json = MediaTypeNames.Application.Json;
    public const string EventStream = MediaTypeNames.Text.EventStream;
    public const string PlainText = MediaTypeNames.Text.Plain;

    /// <summary>What a route that runs a completion may answer: every <see cref="Failures.FailureKind"/> that reaches a client.</summary>
    public static readonly IReadOnlyList<int> CompletionFailures =
    [
        StatusCodes.Status400BadRequest,
        StatusCodes.Status401Unauthorized,
        StatusCodes.Status403Forbidden,
        StatusCodes.Status404NotFound,
        StatusCodes.Status429TooManyRequests,
        StatusCodes.Status500InternalServerError,
        StatusCodes.Status503ServiceUnavailable,
    ];

    /// <summary>What a route that only checks the key may answer (the ledger being away is a 503).</summary>
    public static readonly IReadOnlyList<int> KeyFailures =
    [
        StatusCodes.Status401Unauthorized,
        StatusCodes.Status403Forbidden,
        StatusCodes.Status503ServiceUnavailable,
    ];

    /// <summary>
    /// Declares the route's JSON body for the document only. <c>Accepts&lt;T&gt;("application/json")</c>
    /// would also make routing refuse a body sent with another content type or none, which the door
    /// reads all the same (as OpenAI's API does); with no content type named, routing lets every
    /// request through and the document says <c>application/json</c>.
    /// </summary>
    public static RouteHandlerBuilder AcceptsBody<TBody>(this RouteHandlerBuilder route) =>
        route.WithMetadata(new AcceptsMetadata([], typeof(TBody)));

    /// <summary>Adds to the route's 200 answer the server-sent events it sends instead when asked to stream (<see cref="EventStreamAnswer"/>).</summary>
    public static RouteHandlerBuilder ProducesEvents<TEvent>(this RouteHandlerBuilder route) =>
        route.WithMetadata(new EventStreamAnswer(typeof(TEvent)));

    /// <summary>Puts the route in the OpenAPI document under <paramref name="tag"/>, with its failures as <see cref="ErrorBody"/>.</summary>
    public static RouteHandlerBuilder Documented(this RouteHandlerBuilder route, string tag, string summary, string description, IEnumerable<int> failures)
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(failures);
        route.WithMetadata(DocumentedRoute.Instance).WithTags(tag).WithSummary(summary).WithDescription(description);
        foreach (var status in failures)
        {
            route.Produces<ErrorBody>(status, Json);
        }

        return route;
    }
}
