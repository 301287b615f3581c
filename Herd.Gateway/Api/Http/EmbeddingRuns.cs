using System.Globalization;
using Herd.Contracts.V1;
using Herd.Gateway.Access;
using Herd.Gateway.Completions;
using Herd.Gateway.Failures;

namespace Herd.Gateway.Api.Http;

/// <summary>Runs an embeddings request through the request path, as every HTTP route that embeds does.</summary>
public static class EmbeddingRuns
{
    /// <summary>The request's end: one vector per text, and the tokens they took.</summary>
    /// <exception cref="RequestFailedException">Why the request was refused or did not finish, or its node stopped it without its vectors.</exception>
    public static async Task<CompletionDone> RunAsync(CompletionRunner runner, CompletionRequest request, Caller? caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(request);
        CompletionDone? done = null;
        // Read to the end, not just to the done event: the runner marks the request served only then.
        await foreach (var completionEvent in runner.RunAsync(request, caller, Door.Http, cancellationToken).ConfigureAwait(false))
        {
            done ??= completionEvent.Done;
        }

        if (done is null)
        {
            throw new InvalidOperationException("The request path ended an embeddings request without its end.");
        }

        // A node that stopped the job (draining, shutting down) ends it with no vectors: an answer
        // without them would look like a whole one.
        var expected = request.Embed?.Texts.Count ?? 0;
        if (done.Embeddings.Count != expected)
        {
            throw new RequestFailedException(FailureKind.Unavailable, string.Create(CultureInfo.InvariantCulture,
                $"Node {done.NodeId} ended the embeddings job with {done.Embeddings.Count} of {expected} vectors (finish reason {done.FinishReason}); retry the request."));
        }

        return done;
    }
}
