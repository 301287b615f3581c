using System.Diagnostics;
using System.Runtime.InteropServices;
using Herd.Node.Telemetry;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Node.Engine;

// The engine thread: take commands, schedule, run the model, sample, emit.
public sealed partial class EngineLoop
{
    private void Run()
    {
        using var noGrad = no_grad();
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                if (!_scheduler.HasWork)
                {
                    Handle(_commands.Take(_stopping.Token));
                }

                while (_commands.TryTake(out var command))
                {
                    Handle(command);
                }

                if (_scheduler.HasWork)
                {
                    Step();
                }

                PublishOccupancy();
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopped while waiting for work.
        }

        // Requests that arrived but were never scheduled end the same way as running ones.
        while (_commands.TryTake(out var command))
        {
            switch (command)
            {
                case EngineCommand.Start start:
                    _scheduler.Add(start.Sequence);
                    break;
                case EngineCommand.Embed embed:
                    _scheduler.Add(embed.Job);
                    break;
            }
        }

        FailAll("The engine stopped.");
        PublishOccupancy();
    }

    private void Handle(EngineCommand command)
    {
        switch (command)
        {
            case EngineCommand.Start start:
                _scheduler.Add(start.Sequence);
                break;
            case EngineCommand.Cancel cancel when !cancel.Sequence.IsFinished:
                Finish(cancel.Sequence, FinishReason.Cancelled);
                break;
            case EngineCommand.Embed embed:
                _scheduler.Add(embed.Job);
                break;
            case EngineCommand.CancelEmbedding cancel when !cancel.Job.IsFinished:
                Finish(cancel.Job, FinishReason.Cancelled);
                break;
        }
    }

    private void Step()
    {
        var step = _scheduler.Schedule();
        foreach (var chunk in step.Prefill.Where(chunk => chunk.Start == 0))
        {
            SequenceSpans.Admitted(chunk.Sequence);
        }

        RecordIteration(step);
        using var scope = NewDisposeScope();
        try
        {
            var decoded = step.Decode.Count == 0
                ? []
                : Sampler.Sample(_runner.Decode(step.Decode), [.. step.Decode.Select(sequence => sequence.Sampling)]);
            var firstTokens = new List<(Sequence Sequence, SampledToken Token)>();
            foreach (var chunk in step.Prefill)
            {
                var logits = _runner.Prefill(chunk);
                if (chunk.CompletesPrompt)
                {
                    firstTokens.Add((chunk.Sequence, Sampler.Sample(logits, [chunk.Sequence.Sampling])[0]));
                }
            }

            for (var i = 0; i < decoded.Length; i++)
            {
                Accept(step.Decode[i], decoded[i]);
            }

            foreach (var (sequence, token) in firstTokens)
            {
                Accept(sequence, token);
            }
        }
        // Whatever a step throws (libtorch errors arrive as ExternalException, invalid tensor
        // states as InvalidOperationException) ends that step's requests, not the engine thread.
        catch (Exception error) when (error is ExternalException or InvalidOperationException or ArgumentException)
        {
            LogStepFailed(error);
            FailAll($"The engine failed to run this step: {error.Message}");
        }

        // After the step's tokens are out, so streams never wait on a pass of texts.
        Embed(step.Embed);
    }

    private void Accept(Sequence sequence, SampledToken token)
    {
        if (sequence.Generated.Count == 0)
        {
            SequenceSpans.FirstToken(sequence);
        }

        if (_endOfSequence.Contains(token.TokenId) && !sequence.Sampling.Parameters.IgnoreEndOfSequence)
        {
            Finish(sequence, FinishReason.Stop);
            return;
        }

        sequence.Append(token.TokenId);
        var (text, stopped) = sequence.Output.Add(token.TokenId);
        var logprobs = sequence.Sampling.Parameters.WantsLogprobs ? new[] { token } : [];
        sequence.Events.Writer.TryWrite(new GeneratedText(text, [token.TokenId], logprobs));
        if (stopped)
        {
            Finish(sequence, FinishReason.Stop, releaseHeldText: false);
        }
        else if (sequence.Generated.Count >= sequence.MaxTokens)
        {
            Finish(sequence, FinishReason.Length);
        }
    }

    private void Finish(Sequence sequence, FinishReason reason, bool releaseHeldText = true)
    {
        if (releaseHeldText && reason != FinishReason.Cancelled)
        {
            var rest = sequence.Output.Finish();
            if (rest.Length > 0)
            {
                sequence.Events.Writer.TryWrite(new GeneratedText(rest, [], []));
            }
        }

        SequenceSpans.Finished(sequence, reason);
        var now = Stopwatch.GetTimestamp();
        var firstToken = sequence.FirstTokenTimestamp == 0 ? now : sequence.FirstTokenTimestamp;
        sequence.Events.Writer.TryWrite(new GenerationFinished(
            reason,
            sequence.Prompt.Count,
            sequence.Generated.Count,
            Stopwatch.GetElapsedTime(sequence.ArrivalTimestamp, firstToken),
            Stopwatch.GetElapsedTime(sequence.ArrivalTimestamp, now)));
        Release(sequence);
    }

    private void FailAll(string message)
    {
        foreach (var sequence in _scheduler.Drain())
        {
            sequence.Events.Writer.TryWrite(new GenerationFailed(message, sequence.Generated.Count));
            SequenceSpans.Failed(sequence, message);
            sequence.IsFinished = true;
            sequence.Events.Writer.TryComplete();
            sequence.Sampling.Dispose();
        }

        foreach (var job in _scheduler.DrainEmbeddings())
        {
            Fail(job, message);
        }
    }

    private void Release(Sequence sequence)
    {
        sequence.IsFinished = true;
        try
        {
            _runner.Apply(_scheduler.Remove(sequence));
            // Before the caller sees the end, so what it reads next already counts the slot free.
            PublishOccupancy();
        }
        finally
        {
            sequence.Events.Writer.TryComplete();
            sequence.Sampling.Dispose();
        }
    }

    /// <summary>Every sequence in the step decodes one token, a prompt's last chunk samples its first, and texts are embedded.</summary>
    private void RecordIteration(SchedulerStep step)
    {
        if (_metrics is null)
        {
            return;
        }

        var (prefillTokens, generated) = (0, step.Decode.Count);
        foreach (var chunk in step.Prefill)
        {
            prefillTokens += chunk.Length;
            generated += chunk.CompletesPrompt ? 1 : 0;
        }

        var embeddingTokens = step.Embed.Sum(text => text.Tokens.Count);
        _metrics.RecordIteration(step.Decode.Count + step.Prefill.Count, prefillTokens, generated, embeddingTokens);
    }

    /// <summary>Hands the gauges the engine's occupancy: running sequences and the cache positions they fill.</summary>
    private void PublishOccupancy()
    {
        if (_metrics is null)
        {
            return;
        }

        long cached = 0;
        foreach (var sequence in _scheduler.Running)
        {
            cached += sequence.CachedTokens;
        }

        _metrics.PublishOccupancy(_cache.Slots, _scheduler.RunningCount, cached, (long)_cache.Slots * _cache.MaxLength);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "An engine step failed; its sequences were ended with an error")]
    private partial void LogStepFailed(Exception error);
}
