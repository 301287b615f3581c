using System.Globalization;
using Herd.AppHost.Resources;

namespace Herd.AppHost.Lifecycle;

/// <summary>
/// Stops one running instance of a resource the way its program wants to be stopped: SIGTERM,
/// which lets a node drain and a gateway finish its streams, and time to exit, before Aspire's
/// own stop command ends it.
/// </summary>
internal static class ResourceProcesses
{
    /// <summary>How long an instance may take to stop: a node's drain timeout (30 s by default) and a margin.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(45);

    // The property DCP's executables report their process id in.
    private const string ProcessIdProperty = "executable.pid";

    /// <summary>
    /// Sends SIGTERM (or the resource's <see cref="StopSignalAnnotation"/>) to the instance's process and waits until DCP reports it ended; after
    /// <see cref="Grace"/> Aspire's stop command ends it. Returns whether it ended by itself.
    /// </summary>
    public static async Task<bool> StopGracefullyAsync(IServiceProvider services, ResourceEvent instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(instance);
        var notifications = services.GetRequiredService<ResourceNotificationService>();
        var signal = instance.Resource.TryGetLastAnnotation<StopSignalAnnotation>(out var stopSignal) ? stopSignal.Signal : Posix.SigTerm;
        if (ProcessId(instance) is not { } processId || !Posix.TrySignal(processId, signal))
        {
            return true;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Grace);
        try
        {
            await notifications.WaitForResourceAsync(instance.Resource.Name, update => update.ResourceId == instance.ResourceId && HasEnded(update), deadline.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await services.GetRequiredService<ResourceCommandService>().ExecuteCommandAsync(instance.ResourceId, KnownResourceCommands.StopCommand, CancellationToken.None);
            return false;
        }
    }

    /// <summary>Whether the instance has stopped running (exited, finished or never started).</summary>
    public static bool HasEnded(ResourceEvent update)
    {
        ArgumentNullException.ThrowIfNull(update);
        return update.Snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state);
    }

    private static int? ProcessId(ResourceEvent instance) =>
        instance.Snapshot.Properties.FirstOrDefault(property => property.Name == ProcessIdProperty)?.Value is { } value
        && int.TryParse(value.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var processId)
            ? processId
            : null;
}
