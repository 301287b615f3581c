namespace Herd.AppHost.Resources;

/// <summary>
/// The signal that asks a resource's process to stop cleanly, when it is not SIGTERM: PostgreSQL
/// takes SIGTERM as "wait until every client has left", SIGINT as "end the sessions and stop".
/// </summary>
/// <param name="Signal">The POSIX signal number.</param>
public sealed record StopSignalAnnotation(int Signal) : IResourceAnnotation;
