using Grpc.Core;
using Herd.Contracts.V1;

namespace Herd.Tests.Mesh;

/// <summary>What a client saw of one streamed completion.</summary>
internal sealed record StreamedCompletion(string Text, IReadOnlyList<int> TokenIds, CompletionDone Done)
{
    /// <param name="headers">the call's metadata, such as the API key</param>
    public static async Task<StreamedCompletion> RunAsync(Completions.CompletionsClient client, CompletionRequest request, Action<CompletionDelta>? onDelta = null, Metadata? headers = null, CancellationToken cancellationToken = default)
    {
        using var call = client.Complete(request, headers, cancellationToken: cancellationToken);
        var text = new System.Text.StringBuilder();
        var ids = new List<int>();
        await foreach (var completionEvent in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            if (completionEvent.Delta is { } delta)
            {
                text.Append(delta.Text);
                ids.AddRange(delta.TokenIds);
                onDelta?.Invoke(delta);
            }
            else
            {
                return new StreamedCompletion(text.ToString(), ids, completionEvent.Done);
            }
        }

        throw new InvalidOperationException("The stream ended without CompletionDone.");
    }
}

/// <summary>Requests as the mesh tests send them.</summary>
internal static class MeshClient
{
    public static CompletionRequest Request(string prompt, int maxTokens, float temperature = 0, ulong? seed = null, int priority = 0)
    {
        var sampling = new SamplingParams { Temperature = temperature, MaxTokens = maxTokens };
        if (seed is { } value)
        {
            sampling.Seed = value;
        }

        return new CompletionRequest { Model = Fixtures.TestHerd.Model, Prompt = prompt, Sampling = sampling, Priority = priority };
    }
}
