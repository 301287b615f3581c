using System.Diagnostics;
using System.Runtime.CompilerServices;
using Herd.ServiceDefaults.Diagnostics;

// In namespace Herd, so that a mark anywhere in Herd's code is one line, with no using.
namespace Herd;

/// <summary>
/// Times a job's first token hop by hop, for the gateway benchmark's breakdown
/// (<c>herd bench-gateway --hops</c>). Off unless <c>HERD_HOP_TIMESTAMPS</c> names a folder; then
/// the process keeps the first mark of each hop for each job and writes it to its own file there
/// (<see cref="HopMarkFiles"/>) within a fifth of a second, and as it exits.
/// </summary>
/// <remarks>
/// Marks of different processes compare directly: <see cref="Stopwatch.GetTimestamp"/> is
/// CLOCK_MONOTONIC on Linux, in nanoseconds, one clock for every process on the machine.
/// </remarks>
public static class HopTimestamps
{
    // Read once, into a static readonly field: optimized code takes it as a constant, so when it
    // is false an inlined Mark compiles to nothing. Only what its arguments read and the compiler
    // cannot drop stays (a protobuf oneof's getter keeps its type check).
    private static readonly bool Enabled = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(HopMarkFiles.EnvironmentVariable));

    /// <summary>Records that the job passes <paramref name="hop"/> now.</summary>
    /// <param name="hop">one of <see cref="HopNames"/></param>
    /// <param name="jobId">the job's id; null records nothing (a message that belongs to no job)</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Mark(string hop, string? jobId)
    {
        if (Enabled && jobId is not null)
        {
            var now = Stopwatch.GetTimestamp();
            HopRecorder.Instance.Add(new HopMark(hop, jobId, now));
        }
    }
}
