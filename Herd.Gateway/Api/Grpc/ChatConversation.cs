using System.Text;
using System.Threading.Channels;
using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Access;
using Herd.Gateway.Completions;
using Herd.Gateway.Failures;

namespace Herd.Gateway.Api.Grpc;

/// <summary>
/// One <c>Chat</c> call: turns arrive, each is answered as a completion of the whole
/// conversation so far, and the answer as delivered joins the conversation. A cancel stops the
/// answer in flight; the call stays open for the next turn.
/// </summary>
public sealed class ChatConversation(CompletionRunner runner, Caller? caller, IAsyncStreamReader<ChatClientMessage> requests, IServerStreamWriter<ChatServerEvent> responses) : IDisposable
{
    /// <summary>Makes the conversation of one call (registered in DI).</summary>
    public delegate ChatConversation Factory(Caller? caller, IAsyncStreamReader<ChatClientMessage> requests, IServerStreamWriter<ChatServerEvent> responses);

    private readonly List<ChatMessage> _messages = [];

    // A refusal can be written while an answer streams; gRPC allows one write at a time.
    private readonly SemaphoreSlim _writing = new(1, 1);
    private string _model = string.Empty;

    // Set just before the answer's last event (done or failed) is written: the client may send its
    // next turn the moment it reads that event, before the write's continuation has run, and the
    // turn then waits for the answer's task to finish its bookkeeping rather than being refused.
    private volatile bool _answerEnded;

    public void Dispose() => _writing.Dispose();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Client messages are read on their own so a cancel can arrive while an answer streams.
        var incoming = Channel.CreateUnbounded<ChatClientMessage>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var reading = PumpAsync(incoming.Writer, cancellationToken);
        CancellationTokenSource? answering = null;
        Task? answer = null;
        try
        {
            await foreach (var message in incoming.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (message.KindCase == ChatClientMessage.KindOneofCase.Cancel)
                {
                    answering?.Cancel();
                    continue;
                }

                if (message.KindCase != ChatClientMessage.KindOneofCase.Turn)
                {
                    await FailAsync(StatusCode.InvalidArgument, "Each message must be a turn or a cancel.", string.Empty, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (answer is { IsCompleted: false } && !_answerEnded)
                {
                    await FailAsync(StatusCode.FailedPrecondition, "An answer is still streaming; send a cancel first or wait for it to finish.", message.Turn.RequestId, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (answer is not null)
                {
                    await answer.ConfigureAwait(false);
                }

                answering?.Dispose();
                answering = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                _answerEnded = false;
                answer = AnswerAsync(message.Turn, answering.Token, cancellationToken);
            }

            if (answer is not null)
            {
                await answer.ConfigureAwait(false);
            }
        }
        finally
        {
            answering?.Cancel();
            answering?.Dispose();
            await reading.ConfigureAwait(false);
        }
    }

    private async Task PumpAsync(ChannelWriter<ChatClientMessage> writer, CancellationToken cancellationToken)
    {
        try
        {
            while (await requests.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                await writer.WriteAsync(requests.Current, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The call ended.
        }
        catch (IOException)
        {
            // The client went away mid-message.
        }
        finally
        {
            writer.TryComplete();
        }
    }

    private async Task AnswerAsync(ChatTurn turn, CancellationToken answerCancelled, CancellationToken callCancelled)
    {
        if (!string.IsNullOrEmpty(turn.Model))
        {
            _model = turn.Model;
        }

        var request = new CompletionRequest
        {
            Model = _model,
            Chat = new ChatMessages { Messages = { _messages, turn.Messages } },
            Sampling = turn.Sampling,
            Priority = turn.Priority,
            RequestId = turn.RequestId,
            TopExperts = turn.TopExperts,
        };
        var answer = new StringBuilder();
        var tokens = 0;
        try
        {
            if (_model.Length == 0)
            {
                throw new RequestFailedException(FailureKind.InvalidRequest, "The first turn must name the model.");
            }

            CompletionRequestValidator.ValidateMessages(turn.Messages, "turn.messages");
            await foreach (var completionEvent in runner.RunAsync(request, caller, Door.Grpc, answerCancelled).ConfigureAwait(false))
            {
                if (completionEvent.Delta is { } delta)
                {
                    answer.Append(delta.Text);
                    tokens += delta.TokenIds.Count;
                    await WriteAsync(new ChatServerEvent { Delta = delta }, callCancelled).ConfigureAwait(false);
                }
                else
                {
                    _answerEnded = true;
                    await WriteAsync(new ChatServerEvent { Done = completionEvent.Done }, callCancelled).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (answerCancelled.IsCancellationRequested && !callCancelled.IsCancellationRequested)
        {
            _answerEnded = true;
            await WriteAsync(new ChatServerEvent
            {
                Done = new CompletionDone
                {
                    FinishReason = FinishReason.Cancelled,
                    Usage = new Usage { CompletionTokens = tokens },
                    RequestId = turn.RequestId,
                },
            }, callCancelled).ConfigureAwait(false);
        }
        catch (RequestFailedException exception) when (!callCancelled.IsCancellationRequested)
        {
            _answerEnded = true;
            await FailAsync(GrpcFailures.CodeOf(exception.Kind), exception.Message, turn.RequestId, callCancelled).ConfigureAwait(false);
            return;
        }

        // The conversation keeps what the client saw, a cancelled answer's part included.
        _messages.AddRange(turn.Messages);
        _messages.Add(new ChatMessage { Role = "assistant", Content = answer.ToString() });
    }

    private async Task WriteAsync(ChatServerEvent serverEvent, CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await responses.WriteAsync(serverEvent, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writing.Release();
        }
    }

    private Task FailAsync(StatusCode code, string message, string requestId, CancellationToken cancellationToken) =>
        WriteAsync(new ChatServerEvent { Failed = new ChatTurnFailed { StatusCode = (int)code, Message = message, RequestId = requestId } }, cancellationToken);
}
