using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Herd.Gateway.Api.Http.OpenAi;

/// <summary>
/// Writes a stream as OpenAI sends it: <c>data: {json}</c> events separated by blank lines, and
/// <c>data: [DONE]</c> at the end. Each event is flushed as it is written, so that a token reaches
/// the client when the node produced it.
/// </summary>
public sealed class ServerSentEvents(HttpResponse response)
{
    private static readonly byte[] Prefix = "data: "u8.ToArray();
    private static readonly byte[] Separator = "\n\n"u8.ToArray();
    private static readonly byte[] Done = Encoding.ASCII.GetBytes("data: [DONE]\n\n");

    public bool Started => response.HasStarted;

    public async Task WriteAsync<T>(T data, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        Start();
        var writer = response.BodyWriter;
        writer.Write(Prefix);
        using (var json = new Utf8JsonWriter(writer))
        {
            JsonSerializer.Serialize(json, data, type);
        }

        writer.Write(Separator);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task WriteDoneAsync(CancellationToken cancellationToken)
    {
        Start();
        response.BodyWriter.Write(Done);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends what was written; a connection the client closed ends the stream as a cancel would.</summary>
    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        var flushed = await response.BodyWriter.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (flushed.IsCompleted || flushed.IsCanceled)
        {
            throw new OperationCanceledException("The client closed the stream.", cancellationToken);
        }
    }

    private void Start()
    {
        if (response.HasStarted)
        {
            return;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        // A proxy that buffers would hold tokens back.
        response.Headers["X-Accel-Buffering"] = "no";
    }
}
