using Aspire.Hosting.Pipelines;

namespace Herd.AppHost.Publishing;

/// <summary>
/// Publishes the app model as Kubernetes objects through Aspire's pipeline: the step
/// <c>publish-kubernetes</c>, which <c>--publisher kubernetes</c> selects as <c>--publisher manifest</c>
/// selects Aspire's <c>publish-manifest</c>. It needs no container engine and no DCP.
/// </summary>
public static class KubernetesPublishingExtensions
{
    /// <summary>The name <c>--publisher</c> takes.</summary>
    public const string PublisherName = "kubernetes";

    /// <summary>The pipeline step (<c>--operation publish --step publish-kubernetes</c>).</summary>
    public const string StepName = "publish-kubernetes";

    public static IDistributedApplicationBuilder AddKubernetesPublishing(this IDistributedApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        // Aspire already runs in publish mode for any --publisher; the step is what it runs.
        if (string.Equals(builder.Configuration["Publishing:Publisher"], PublisherName, StringComparison.OrdinalIgnoreCase)
            && string.IsNullOrEmpty(builder.Configuration["Pipeline:Step"]))
        {
            builder.Configuration["Pipeline:Step"] = StepName;
        }

        // No dependency on publish-prereq: that runs process-parameters, which writes every
        // parameter's value, secrets included, to Aspire's deployment state in the user's home.
        // The Secrets take Parameters:* from configuration, or values made up for this publish.
        var step = new PipelineStep
        {
            Name = StepName,
            Description = "Writes the app model as Kubernetes objects: a folder for kubectl apply -k.",
            Action = KubernetesPublisher.PublishAsync,
        };
        step.RequiredBy(WellKnownPipelineSteps.Publish);
        builder.Pipeline.AddStep(step);
        return builder;
    }
}
