using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Herd.Contracts.V1;
using Herd.Gateway.Access;
using Herd.Gateway.Completions;
using Herd.Gateway.Prompts.Calls;

namespace Herd.Gateway.Api.Http.OpenAi;

/// <summary>Runs a call's choices, each a completion of its own, and merges their events in the order they come.</summary>
public static class ChoiceRuns
{
    /// <summary>Every choice's events, tagged with its index; the first failure cancels the other choices and is thrown.</summary>
    public static async IAsyncEnumerable<(int Index, CompletionEvent Event)> RunAsync(
        PromptedCompletions runner, OpenAiCall call, Caller? caller, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(call);
        if (call.Choices.Count == 1)
        {
            // One choice, the common case: no merging, no extra task.
            await foreach (var completionEvent in runner.RunAsync(call.Choices[0], caller, Door.Http, cancellationToken).ConfigureAwait(false))
            {
                yield return (0, completionEvent);
            }

            yield break;
        }

        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var merged = Channel.CreateUnbounded<(int, CompletionEvent)>(new UnboundedChannelOptions { SingleReader = true });
        var runs = call.Choices.Select((request, index) => PumpAsync(runner, request, index, caller, merged.Writer, stopping)).ToArray();
        var all = Task.WhenAll(runs).ContinueWith(
            finished => merged.Writer.TryComplete(finished.Exception?.InnerException),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        try
        {
            await foreach (var item in merged.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
        finally
        {
            await stopping.CancelAsync().ConfigureAwait(false);
            await all.ConfigureAwait(false);
        }
    }

    private static async Task PumpAsync(
        PromptedCompletions runner, CompletionRequest request, int index, Caller? caller, ChannelWriter<(int, CompletionEvent)> output, CancellationTokenSource stopping)
    {
        try
        {
            await foreach (var completionEvent in runner.RunAsync(request, caller, Door.Http, stopping.Token).ConfigureAwait(false))
            {
                await output.WriteAsync((index, completionEvent), stopping.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Another choice failed or the client left: this one's end is not news.
        }
        catch
        {
            await stopping.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }
}
