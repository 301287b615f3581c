using Polly;
using Polly.Retry;

namespace Herd.Gateway.Resilience;

/// <summary>
/// The retry that waits out a dependency that is not there yet (Redis, PostgreSQL): it tries again
/// after the same delay for as long as the failure is one that waiting can mend, reporting each
/// failed attempt. Any other failure is thrown at once; a cancelled token ends the wait with an
/// <see cref="OperationCanceledException"/>.
/// </summary>
public static class UntilReachable
{
    /// <param name="delay">the wait between attempts</param>
    /// <param name="isUnreachable">whether a failure means the dependency cannot be reached yet</param>
    /// <param name="onFailedAttempt">the failure, the attempt's number (from 1) and the wait before the next one</param>
    public static ResiliencePipeline Retry(TimeSpan delay, Func<Exception, bool> isUnreachable, Action<Exception, int, TimeSpan> onFailedAttempt)
    {
        ArgumentNullException.ThrowIfNull(isUnreachable);
        ArgumentNullException.ThrowIfNull(onFailedAttempt);
        return new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle(isUnreachable),
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Constant,
            Delay = delay,
            OnRetry = arguments =>
            {
                if (arguments.Outcome.Exception is { } failure)
                {
                    onFailedAttempt(failure, arguments.AttemptNumber + 1, arguments.RetryDelay);
                }

                return default;
            },
        }).Build();
    }
}
