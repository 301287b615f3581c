using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Herd.Node.Models;

/// <summary>
/// Logs how far a built-in model's generation has come, at most every few seconds: a model that
/// takes a minute or more (herd-1b) says it is still at work, one made in a blink says nothing.
/// </summary>
internal sealed partial class GenerationProgressLog(string model, ILogger logger) : IProgress<double>
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly long _started = Stopwatch.GetTimestamp();
    private long _lastLogged = Stopwatch.GetTimestamp();

    public void Report(double value)
    {
        if (Stopwatch.GetElapsedTime(_lastLogged) < Interval)
        {
            return;
        }

        _lastLogged = Stopwatch.GetTimestamp();
        var elapsed = Stopwatch.GetElapsedTime(_started);
        LogProgress(logger, model, value, elapsed.TotalSeconds);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Generating {Model}: {Share:P0} of the weights written after {Seconds:F0} s")]
    private static partial void LogProgress(ILogger logger, string model, double share, double seconds);
}
