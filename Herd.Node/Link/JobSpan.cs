using System.Diagnostics;
using Herd.Contracts.V1;
using Herd.Node.Telemetry;

namespace Herd.Node.Link;

/// <summary>The span of one assigned job, whichever backend runs it.</summary>
public static class JobSpan
{
    /// <summary>
    /// Starts the job's <c>herd.node.job</c> span, continuing the trace the gateway sent in the
    /// assignment; a job that brings no trace context starts a trace of its own instead of
    /// joining whatever is current on the link (its long-lived call). Null when nobody listens.
    /// </summary>
    /// <param name="model">the model that runs it, as the node names it</param>
    public static Activity? Start(Assign assign, string model, string nodeId)
    {
        ArgumentNullException.ThrowIfNull(assign);
        Activity.Current = null;
        var span = NodeTelemetry.Source.StartActivity(NodeTelemetry.JobSpan, ActivityKind.Consumer, AssignMapping.ToTraceParent(assign));
        span?.SetTag(NodeTelemetry.ModelAttribute, model);
        span?.SetTag(NodeTelemetry.NodeIdAttribute, nodeId);
        span?.SetTag(NodeTelemetry.OperationNameAttribute, AssignMapping.ToOperationName(assign));
        return span;
    }
}
