using Aspire.Hosting.Pipelines;
using Microsoft.Extensions.Logging;

namespace Herd.AppHost.Publishing;

/// <summary>
/// The <c>publish-kubernetes</c> step: the Kubernetes objects of the app model
/// (<see cref="KubernetesFiles"/>) written to the <c>--output-path</c> folder (<c>aspire-output</c>
/// of the current folder without one), a file per resource and the <c>kustomization.yaml</c> that lists them.
/// </summary>
internal static partial class KubernetesPublisher
{
    public static async Task PublishAsync(PipelineStepContext context)
    {
        var folder = context.Services.GetRequiredService<IPipelineOutputService>().GetOutputDirectory();
        var files = await KubernetesFiles.BuildAsync(context.Model, context.ExecutionContext, context.CancellationToken);
        try
        {
            await files.WriteAsync(folder, context.CancellationToken);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The operator's to fix, not a fault of the app host: one line, no stack trace, and the
            // exit code says it failed (Program.cs returns it).
            LogNotWritten(context.Logger, folder, exception.Message);
            await context.ReportingStep.FailAsync($"Could not write to {folder}: {exception.Message}", context.CancellationToken);
            Environment.ExitCode = 1;
            return;
        }

        LogWritten(context.Logger, files.Names.Count, folder);
        context.Summary.Add("Kubernetes objects", folder);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not write the Kubernetes objects to {Folder}: {Reason} --output-path must name a folder this user can write to.")]
    private static partial void LogNotWritten(ILogger logger, string folder, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Wrote {Count} files of Kubernetes objects to {Folder}: kubectl apply -k applies them")]
    private static partial void LogWritten(ILogger logger, int count, string folder);
}
