using System.Text;
using Herd.Contracts.V1;
using Herd.Gateway.Access;
using Herd.Gateway.Completions;
using Herd.Gateway.Prompts.Calls;

namespace Herd.Gateway.Api.Http.OpenAi;

/// <summary>
/// Answers one OpenAI call from its choices' completion events: a whole <c>chat.completion</c> or
/// <c>text_completion</c>, or their chunks as server-sent events. A choice that ran with adapters
/// says which in Herd's own <c>adapters</c> field, on the choice (in a stream, on its last chunk):
/// each choice is a job of its own, and a routed prompt may choose other experts than another. Usage sums what every choice's
/// job was counted: with <c>n</c> above 1 each choice is a job of its own and its prompt counts
/// for each.
/// </summary>
public sealed class OpenAiResponder(PromptedCompletions runner, TimeProvider time)
{
    public async Task AnswerAsync(HttpContext http, OpenAiCall call, Caller? caller)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(call);
        var id = (call.Route == OpenAiRoute.Chat ? "chatcmpl-" : "cmpl-") + Guid.NewGuid().ToString("N");
        foreach (var choice in call.Choices)
        {
            choice.RequestId = id;
        }

        var created = time.GetUtcNow().ToUnixTimeSeconds();
        if (call.Stream)
        {
            await StreamAsync(http, call, caller, id, created).ConfigureAwait(false);
        }
        else
        {
            await WholeAsync(http, call, caller, id, created).ConfigureAwait(false);
        }
    }

    private async Task WholeAsync(HttpContext http, OpenAiCall call, Caller? caller, string id, long created)
    {
        var choices = call.Choices.Select(_ => new ChoiceText()).ToArray();
        await foreach (var (index, completionEvent) in ChoiceRuns.RunAsync(runner, call, caller, http.RequestAborted).ConfigureAwait(false))
        {
            choices[index].Add(completionEvent);
        }

        var usage = new UsageBody(choices.Sum(choice => choice.PromptTokens), choices.Sum(choice => choice.CompletionTokens));
        if (call.Route == OpenAiRoute.Chat)
        {
            var completion = new ChatCompletion(id, created, call.Model, [.. choices.Select((choice, index) => new ChatChoice(
                index,
                new ChatMessageOut("assistant", choice.Text.ToString()),
                call.TopLogprobs is { } top ? new ChatLogprobs(OpenAiLogprobs.Chat(choice.Logprobs, top)) : null,
                choice.FinishReason,
                choice.Adapters))], usage);
            await http.Response.WriteAsJsonAsync(completion, Http.HttpJson.Default.ChatCompletion, contentType: null, http.RequestAborted).ConfigureAwait(false);
        }
        else
        {
            var completion = new TextCompletion(id, created, call.Model, [.. choices.Select((choice, index) => new TextChoice(
                choice.Text.ToString(),
                index,
                call.TopLogprobs is { } top ? OpenAiLogprobs.Text(choice.Logprobs, top, textOffset: 0) : null,
                choice.FinishReason,
                choice.Adapters))], usage);
            await http.Response.WriteAsJsonAsync(completion, Http.HttpJson.Default.TextCompletion, contentType: null, http.RequestAborted).ConfigureAwait(false);
        }
    }

    private async Task StreamAsync(HttpContext http, OpenAiCall call, Caller? caller, string id, long created)
    {
        var events = new ServerSentEvents(http.Response);
        var cancellationToken = http.RequestAborted;
        var started = new bool[call.Choices.Count];
        var textOffsets = new int[call.Choices.Count];
        int promptTokens = 0, completionTokens = 0;
        await foreach (var (index, completionEvent) in ChoiceRuns.RunAsync(runner, call, caller, cancellationToken).ConfigureAwait(false))
        {
            if (call.Route == OpenAiRoute.Chat)
            {
                if (!started[index])
                {
                    // OpenAI opens each choice with its role.
                    started[index] = true;
                    await events.WriteAsync(ChatChunk(id, created, call, new ChunkChoice(index, new ChunkDelta("assistant", string.Empty), null, null)), Http.HttpJson.Default.ChatCompletionChunk, cancellationToken).ConfigureAwait(false);
                }

                var choice = completionEvent.Delta is { } delta
                    ? new ChunkChoice(index, new ChunkDelta(null, delta.Text), call.TopLogprobs is { } top ? new ChatLogprobs(OpenAiLogprobs.Chat(delta.Logprobs, top)) : null, null)
                    : new ChunkChoice(index, new ChunkDelta(null, null), null, OpenAiLogprobs.FinishReason(completionEvent.Done.FinishReason), AdapterBody.Of(completionEvent.Done.Adapters));
                await events.WriteAsync(ChatChunk(id, created, call, choice), Http.HttpJson.Default.ChatCompletionChunk, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                TextChoice choice;
                if (completionEvent.Delta is { } delta)
                {
                    choice = new TextChoice(delta.Text, index, call.TopLogprobs is { } top ? OpenAiLogprobs.Text(delta.Logprobs, top, textOffsets[index]) : null, null);
                    textOffsets[index] += delta.Text.Length;
                }
                else
                {
                    choice = new TextChoice(string.Empty, index, null, OpenAiLogprobs.FinishReason(completionEvent.Done.FinishReason), AdapterBody.Of(completionEvent.Done.Adapters));
                }

                await events.WriteAsync(new TextCompletion(id, created, call.Model, [choice], null), Http.HttpJson.Default.TextCompletion, cancellationToken).ConfigureAwait(false);
            }

            if (completionEvent.Done is { Usage: { } used })
            {
                promptTokens += used.PromptTokens;
                completionTokens += used.CompletionTokens;
            }
        }

        if (call.IncludeUsage)
        {
            var usage = new UsageBody(promptTokens, completionTokens);
            if (call.Route == OpenAiRoute.Chat)
            {
                await events.WriteAsync(new ChatCompletionChunk(id, created, call.Model, [], usage), Http.HttpJson.Default.ChatCompletionChunk, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await events.WriteAsync(new TextCompletion(id, created, call.Model, [], usage), Http.HttpJson.Default.TextCompletion, cancellationToken).ConfigureAwait(false);
            }
        }

        await events.WriteDoneAsync(cancellationToken).ConfigureAwait(false);
    }

    private static ChatCompletionChunk ChatChunk(string id, long created, OpenAiCall call, ChunkChoice choice) =>
        new(id, created, call.Model, [choice], null);

    /// <summary>One choice's answer as it accumulates.</summary>
    private sealed class ChoiceText
    {
        public StringBuilder Text { get; } = new();

        public List<TokenLogprob> Logprobs { get; } = [];

        public string? FinishReason { get; private set; }

        public int PromptTokens { get; private set; }

        public int CompletionTokens { get; private set; }

        public IReadOnlyList<AdapterBody>? Adapters { get; private set; }

        public void Add(CompletionEvent completionEvent)
        {
            if (completionEvent.Delta is { } delta)
            {
                Text.Append(delta.Text);
                Logprobs.AddRange(delta.Logprobs);
            }
            else if (completionEvent.Done is { } done)
            {
                FinishReason = OpenAiLogprobs.FinishReason(done.FinishReason);
                PromptTokens = done.Usage?.PromptTokens ?? 0;
                CompletionTokens = done.Usage?.CompletionTokens ?? 0;
                Adapters = AdapterBody.Of(done.Adapters);
            }
        }
    }
}
