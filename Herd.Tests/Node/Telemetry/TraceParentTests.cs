using System.Diagnostics;
using Herd.Contracts.V1;
using Herd.Gateway.Nodes.Dispatch;
using Herd.Node.Link;

namespace Herd.Tests.Node.Telemetry;

/// <summary>The trace context crosses NodeLink on the Assign message: the gateway writes it, the node reads it.</summary>
public sealed class TraceParentTests
{
    [Fact]
    public void ContextWrittenByTheGateway_IsTheOneTheNodeReads()
    {
        using var request = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start();
        request.TraceStateString = "vendor=abc";
        var assign = new Assign { JobId = "job" };

        AssignTracing.Inject(assign, request);
        var context = AssignMapping.ToTraceParent(assign);

        Assert.Equal(request.Id, assign.Traceparent);
        Assert.Equal("vendor=abc", assign.Tracestate);
        Assert.Equal(request.TraceId, context.TraceId);
        Assert.Equal(request.SpanId, context.SpanId);
        Assert.Equal("vendor=abc", context.TraceState);
        Assert.True(context.IsRemote);
    }

    [Fact]
    public void NoActivity_LeavesTheAssignmentWithoutContext_AndTheNodeStartsItsOwnTrace()
    {
        var assign = new Assign { JobId = "job" };

        AssignTracing.Inject(assign, activity: null);

        Assert.Empty(assign.Traceparent);
        Assert.Equal(default, AssignMapping.ToTraceParent(assign));
    }

    [Theory]
    [InlineData("not a traceparent")]
    [InlineData("00-00000000000000000000000000000000-00f067aa0ba902b7-01")]
    public void MalformedTraceparent_IsIgnored(string traceparent)
    {
        var assign = new Assign { JobId = "job", Traceparent = traceparent };

        Assert.Equal(default, AssignMapping.ToTraceParent(assign));
    }
}
