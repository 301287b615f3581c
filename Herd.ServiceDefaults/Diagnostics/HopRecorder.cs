using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Herd.ServiceDefaults.Diagnostics;

/// <summary>
/// Where <see cref="HopTimestamps"/> puts its marks when it is on: a lock-free queue that a thread
/// of its own writes to the process's file every 200 ms, and once more as the process exits.
/// Created on the first mark, so a process that records none has neither thread nor file.
/// </summary>
internal sealed class HopRecorder
{
    public static readonly HopRecorder Instance = new(Environment.GetEnvironmentVariable(HopMarkFiles.EnvironmentVariable) ?? ".");

    private static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(200);

    // A hop passed once per chunk of tokens is marked per chunk; only its first counts. Jobs are
    // remembered for two of these spans, so that a long-running process does not remember every
    // job it ever ran; a mark of a job forgotten since is written again, and readers take the first.
    private static readonly long ForgetAfter = Stopwatch.Frequency * 30;

    private readonly ConcurrentQueue<HopMark> _marks = new();
    private readonly Lock _writing = new();
    private readonly string _path;
    private HashSet<(string Hop, string JobId)> _seen = [];
    private HashSet<(string Hop, string JobId)> _seenBefore = [];
    private long _forgetAt = Stopwatch.GetTimestamp() + ForgetAfter;

    private HopRecorder(string folder)
    {
        Directory.CreateDirectory(folder);
        var name = Assembly.GetEntryAssembly()?.GetName().Name ?? Process.GetCurrentProcess().ProcessName;
        _path = HopMarkFiles.PathFor(folder, name, Environment.ProcessId);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Write();
        new Thread(WriteEvery) { IsBackground = true, Name = "Hop timestamps" }.Start();
    }

    public void Add(HopMark mark) => _marks.Enqueue(mark);

    private void WriteEvery()
    {
        while (true)
        {
            Thread.Sleep(FlushInterval);
            Write();
        }
    }

    private void Write()
    {
        lock (_writing)
        {
            var lines = new StringBuilder();
            while (_marks.TryDequeue(out var mark))
            {
                if (IsFirst(mark))
                {
                    HopMarkFiles.Append(lines, mark);
                }
            }

            if (lines.Length == 0)
            {
                return;
            }

            try
            {
                using var file = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
                file.Write(Encoding.UTF8.GetBytes(lines.ToString()));
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // A diagnostic must not take the process down: the marks are lost, and the
                // benchmark shows their hops as unseen.
            }
        }
    }

    private bool IsFirst(HopMark mark)
    {
        if (mark.Timestamp > _forgetAt)
        {
            (_seenBefore, _seen) = (_seen, []);
            _forgetAt = mark.Timestamp + ForgetAfter;
        }

        var key = (mark.Hop, mark.JobId);
        return !_seenBefore.Contains(key) && _seen.Add(key);
    }
}
