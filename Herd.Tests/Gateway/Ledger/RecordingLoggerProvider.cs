using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Herd.Tests.Gateway.Ledger;

/// <summary>Keeps every log line written through it, so that a test can wait for one.</summary>
internal sealed class RecordingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(_lines);

    /// <summary>Polls until a line contains <paramref name="text"/>, failing with the lines so far after <paramref name="deadline"/>.</summary>
    public async Task WaitForAsync(string text, TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        while (!_lines.Any(line => line.Contains(text, StringComparison.Ordinal)))
        {
            if (timeout.IsCancellationRequested)
            {
                Assert.Fail($"No log line with \"{text}\" within {deadline}. Lines:\n{string.Join('\n', _lines)}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), CancellationToken.None);
        }
    }

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
    }
}
