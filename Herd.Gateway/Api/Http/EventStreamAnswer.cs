namespace Herd.Gateway.Api.Http;

/// <summary>
/// Says that a route answers 200 with server-sent events, when asked to stream, beside its whole
/// answer; each event's data is an <paramref name="Event"/>. The OpenAPI document adds it as a
/// second content type of the 200 answer, which <c>Produces</c> cannot say: a second
/// <c>Produces</c> of one status replaces the first.
/// </summary>
public sealed record EventStreamAnswer(Type Event);
