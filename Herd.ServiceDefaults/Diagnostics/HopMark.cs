namespace Herd.ServiceDefaults.Diagnostics;

/// <summary>One job passing one hop, at a <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> of the machine's shared clock.</summary>
/// <param name="Hop">one of <see cref="HopNames"/></param>
/// <param name="JobId">the job's id, as the gateway gave it</param>
/// <param name="Timestamp">Stopwatch ticks: on Linux, nanoseconds of CLOCK_MONOTONIC</param>
public readonly record struct HopMark(string Hop, string JobId, long Timestamp);
