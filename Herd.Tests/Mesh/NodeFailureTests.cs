using Grpc.Core;
using Herd.Tests.Fixtures;

namespace Herd.Tests.Mesh;

public sealed class NodeFailureTests
{
    [Fact]
    public async Task KillingANodeMidStream_StartedJobsFailUnavailable_OthersCompleteElsewhere()
    {
        await using var herd = await TestHerd.StartAsync(
            gateways: 1,
            nodes: 2,
            // The benchmark engine: every job streams exactly its 200 tokens over 2 s, so the
            // jobs running on node-0 are still streaming when it is killed.
            nodeSettings: new Dictionary<string, string>
            {
                ["Herd__Node__Engine__MaxSequences"] = "2",
                ["Herd__Node__Engine__SyntheticTokensPerSecond"] = "100",
            });
        var client = herd.Gateways[0].Completions;
        var streaming = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var deltas = 0;
        var runs = Enumerable.Range(0, 8)
            .Select(i => Outcome(StreamedCompletion.RunAsync(client, MeshClient.Request($"story {i}", 200), onDelta: _ =>
            {
                if (Interlocked.Increment(ref deltas) > 20)
                {
                    streaming.TrySetResult();
                }
            })))
            .ToList();
        await streaming.Task;

        await herd.Nodes[0]!.DisposeAsync();
        herd.Nodes[0] = null;
        var outcomes = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromMinutes(3));

        var failed = outcomes.Where(outcome => outcome.Error is not null).ToList();
        Assert.False(herd.Gateways[0].Process.HasExited, "the gateway died:\n" + herd.Gateways[0].Process.Output);
        Assert.NotEmpty(failed);
        Assert.All(failed, outcome =>
        {
            Assert.Equal(StatusCode.Unavailable, outcome.Error!.StatusCode);
            Assert.Contains("node-0", outcome.Error.Status.Detail, StringComparison.Ordinal);
            Assert.Contains("tokens", outcome.Error.Status.Detail, StringComparison.Ordinal);
            // The node died; the gateway did not stop.
            Assert.DoesNotContain("the gateway is stopping", outcome.Error.Status.Detail, StringComparison.Ordinal);
        });
        // Jobs that had not started on node-0 were served by node-1.
        var completed = outcomes.Where(outcome => outcome.Result is not null).ToList();
        Assert.Equal(8, failed.Count + completed.Count);
        Assert.Contains(completed, outcome => outcome.Result!.Done.NodeId == "node-1");
    }

    private static async Task<(StreamedCompletion? Result, RpcException? Error)> Outcome(Task<StreamedCompletion> run)
    {
        try
        {
            return (await run, null);
        }
        catch (RpcException exception)
        {
            return (null, exception);
        }
    }
}
