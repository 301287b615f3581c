using System.Globalization;
using System.Text.RegularExpressions;
using Herd.AppHost.Extensions;
using k8s.Models;

namespace Herd.AppHost.Publishing;

/// <summary>
/// The node Deployment's HorizontalPodAutoscaler (<c>node-autoscaler.yaml</c>): node pods follow
/// the model's queue, through the gateways' <c>herd.gateway.queue.depth</c> gauge as the external
/// metric <c>herd_gateway_queue_depth</c>, which a metrics adapter (Prometheus Adapter; see
/// docs/models.md) serves from the gateways' exported metrics. Scaling down removes one pod a
/// minute after five quiet minutes, and each pod drains within its grace period.
/// </summary>
internal static partial class KubernetesNodeAutoscaler
{
    public const string FileName = "node-autoscaler.yaml";

    public const string Metric = "herd_gateway_queue_depth";

    /// <summary>The gauge's model attribute (<c>gen_ai.request.model</c>) as Prometheus names the label.</summary>
    public const string ModelLabel = "gen_ai_request_model";

    public static KubernetesFile File(ProjectResource node, NodeAutoscaleAnnotation autoscale)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(autoscale);
        var autoscaler = new V2HorizontalPodAutoscaler
        {
            ApiVersion = "autoscaling/v2",
            Kind = V2HorizontalPodAutoscaler.KubeKind,
            Metadata = KubernetesLabels.Metadata(node.Name, node.Name, "inference"),
            Spec = new V2HorizontalPodAutoscalerSpec
            {
                ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = V1Deployment.KubeKind, Name = node.Name },
                MinReplicas = Math.Max(1, autoscale.MinNodes),
                MaxReplicas = autoscale.MaxNodes,
                Metrics =
                [
                    new V2MetricSpec
                    {
                        Type = "External",
                        External = new V2ExternalMetricSource
                        {
                            Metric = new V2MetricIdentifier
                            {
                                Name = Metric,
                                // A model folder's name is a path, which no label selector can hold: then the whole queue counts.
                                Selector = LabelValue().IsMatch(autoscale.Model)
                                    ? new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [ModelLabel] = autoscale.Model } }
                                    : null,
                            },
                            Target = new V2MetricTarget { Type = "AverageValue", AverageValue = new ResourceQuantity(autoscale.QueuedJobsPerNode.ToString(CultureInfo.InvariantCulture)) },
                        },
                    },
                ],
                Behavior = new V2HorizontalPodAutoscalerBehavior
                {
                    ScaleDown = new V2HPAScalingRules
                    {
                        StabilizationWindowSeconds = 300,
                        Policies = [new V2HPAScalingPolicy { Type = "Pods", Value = 1, PeriodSeconds = 60 }],
                    },
                },
            },
        };
        return new KubernetesFile(FileName, [autoscaler]);
    }

    [GeneratedRegex("^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();
}
