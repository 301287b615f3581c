using System.Diagnostics;
using System.Text;

namespace Herd.Tests.Fixtures;

/// <summary>
/// A long-running program started by a test: its output is kept for assertions and failure
/// messages, and it is stopped with a signal like a real process manager would.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _standardOutput = new();
    private readonly Lock _outputLock = new();
    private readonly string _name;

    private ChildProcess(string name, Process process)
    {
        _name = name;
        _process = process;
    }

    private int _disposed;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process wrote to standard output and standard error so far.</summary>
    public string Output
    {
        get
        {
            lock (_outputLock)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Only what the process wrote to standard output, in full (line breaks as written).</summary>
    public string StandardOutput
    {
        get
        {
            lock (_outputLock)
            {
                return _standardOutput.ToString();
            }
        }
    }

    public static ChildProcess Start(string name, ProcessStartInfo startInfo)
    {
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.UseShellExecute = false;

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var child = new ChildProcess(name, process);
        process.OutputDataReceived += (_, e) => child.Append(e.Data, standardOutput: true);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data, standardOutput: false);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {name} ({startInfo.FileName}).");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits until the output satisfies <paramref name="condition"/>; fails if the process exits first.</summary>
    public async Task WaitForOutputAsync(Func<string, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition(Output))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{_name} exited with {_process.ExitCode} before it was ready:\n{Output}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{_name} was not ready within {timeout}:\n{Output}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Sends <paramref name="signal"/> and returns the exit code once the process has gone.</summary>
    public Task<int> StopAsync(int signal, TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            Posix.Signal(_process.Id, signal);
        }

        return WaitForExitAsync(timeout);
    }

    /// <summary>Returns the exit code; kills the process and fails if it runs past <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{_name} did not exit within {timeout}:\n{Output}");
        }

        // The parameterless wait also drains the asynchronous output readers.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        // Tests kill a process on purpose and their fixture disposes it again at the end.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line, bool standardOutput)
    {
        if (line is null)
        {
            return;
        }

        lock (_outputLock)
        {
            _output.AppendLine(line);
            if (standardOutput)
            {
                _standardOutput.AppendLine(line);
            }
        }
    }
}
