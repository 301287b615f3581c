using Herd.Contracts.V1;
using Herd.Gateway.Access;
using Herd.Gateway.Completions;

namespace Herd.Gateway.Api.Http;

/// <summary>Runs an embeddings request through the request path, as every HTTP route that embeds does.</summary>
public static class EmbeddingRuns
{
    /// <summary>The request's end: one vector per text, and the tokens they took.</summary>
    /// <exception cref="Failures.RequestFailedException">Why the request was refused or did not finish.</exception>
    public static async Task<CompletionDone> RunAsync(CompletionRunner runner, CompletionRequest request, Caller? caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runner);
        CompletionDone? done = null;
        // Read to the end, not just to the done event: the runner marks the request served only then.
        await foreach (var completionEvent in runner.RunAsync(request, caller, Door.Http, cancellationToken).ConfigureAwait(false))
        {
            done ??= completionEvent.Done;
        }

        return done ?? throw new InvalidOperationException("The request path ended an embeddings request without its vectors.");
    }
}
