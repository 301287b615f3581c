using Herd.AppHost.Lifecycle;

namespace Herd.AppHost.Commands;

/// <summary>
/// "Drain" on a node in the Aspire dashboard: the node takes no new jobs, finishes the ones it runs
/// (up to its <c>Herd:Node:DrainTimeout</c>, 30 s by default) and stops, so nothing it serves is
/// cut off; queued jobs wait for the other nodes. Aspire's Start brings it back.
/// </summary>
public static class DrainCommand
{
    public const string Name = "drain";

    public static IResourceBuilder<ProjectResource> WithDrainCommand(this IResourceBuilder<ProjectResource> node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.WithCommand(Name, "Drain", ExecuteAsync, new CommandOptions
        {
            Description = "Take no new jobs, finish the running ones, then stop. Start brings the node back.",
            ConfirmationMessage = "Drain this node? It finishes its running jobs and stops.",
            IconName = "ArrowExit",
            IsHighlighted = true,
            UpdateState = context => context.ResourceSnapshot.State?.Text == KnownResourceStates.Running
                ? ResourceCommandState.Enabled
                : ResourceCommandState.Disabled,
        });
    }

    private static async Task<ExecuteCommandResult> ExecuteAsync(ExecuteCommandContext context)
    {
        var notifications = context.Services.GetRequiredService<ResourceNotificationService>();
        if (!notifications.TryGetCurrentState(context.ResourceName, out var instance) || ResourceProcesses.HasEnded(instance))
        {
            return CommandResults.Failure($"{context.ResourceName} is not running.");
        }

        var drained = await ResourceProcesses.StopGracefullyAsync(context.Services, instance, context.CancellationToken);
        return drained
            ? CommandResults.Success($"{context.ResourceName} finished its jobs and stopped. Start brings it back.")
            : CommandResults.Failure($"{context.ResourceName} did not finish within {ResourceProcesses.Grace.TotalSeconds:0} s and was stopped; its log says which jobs were cut off.");
    }
}
