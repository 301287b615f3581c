using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Completions;
using Herd.Gateway.Prompts.Calls;

namespace Herd.Gateway.Api.Grpc;

/// <summary>The client API: <c>herd.v1.Completions</c>.</summary>
public sealed class CompletionsService(PromptedCompletions completions, ChatConversation.Factory conversations) : Contracts.V1.Completions.CompletionsBase
{
    public override async Task Complete(CompletionRequest request, IServerStreamWriter<CompletionEvent> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        await foreach (var completionEvent in completions.RunAsync(request, context.GetCaller(), Door.Grpc, context.CancellationToken).ConfigureAwait(false))
        {
            await responseStream.WriteAsync(completionEvent, context.CancellationToken).ConfigureAwait(false);
        }
    }

    public override async Task Chat(IAsyncStreamReader<ChatClientMessage> requestStream, IServerStreamWriter<ChatServerEvent> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var conversation = conversations(context.GetCaller(), requestStream, responseStream);
        await conversation.RunAsync(context.CancellationToken).ConfigureAwait(false);
    }
}
