using System.Diagnostics;
using Herd.Contracts.V1;

namespace Herd.Gateway.Nodes.Dispatch;

/// <summary>
/// Puts a trace context on a job's assignment, so the node's spans for the job continue the
/// client's trace. The gateway that sends the job to a node writes its <c>herd.dispatch</c>
/// span's context there, just before sending (the queue carries the request's context to it).
/// </summary>
public static class AssignTracing
{
    /// <summary>Writes <paramref name="activity"/>'s W3C traceparent and tracestate into the assignment; nothing when there is no activity.</summary>
    public static void Inject(Assign assign, Activity? activity)
    {
        ArgumentNullException.ThrowIfNull(assign);
        if (activity is null)
        {
            return;
        }

        DistributedContextPropagator.Current.Inject(activity, assign, static (carrier, name, value) =>
        {
            // The propagator may write baggage too; the assignment carries the trace context only.
            if (carrier is not Assign target)
            {
                return;
            }

            switch (name)
            {
                case "traceparent":
                    target.Traceparent = value;
                    break;
                case "tracestate":
                    target.Tracestate = value;
                    break;
            }
        });
    }
}
