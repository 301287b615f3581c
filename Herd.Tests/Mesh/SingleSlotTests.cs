using System.Collections.Concurrent;
using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Tests.Fixtures;

namespace Herd.Tests.Mesh;

/// <summary>One gateway and one node that runs one sequence at a time, so jobs queue.</summary>
public sealed class SingleSlotTests : IAsyncLifetime
{
    private const int MaxDepth = 3;
    private TestHerd? _herd;

    private TestHerd Herd => _herd!;

    private Completions.CompletionsClient Client => Herd.Gateways[0].Completions;

    public async Task InitializeAsync() => _herd = await TestHerd.StartAsync(
        gateways: 1,
        nodes: 1,
        gatewaySettings: new Dictionary<string, string> { ["Herd__Gateway__Queue__MaxDepthPerModel"] = MaxDepth.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        // The benchmark engine: jobs stream exactly their max_tokens at 100 tokens/s, so a long job
        // is still running while the others queue behind it.
        nodeSettings: new Dictionary<string, string>
        {
            ["Herd__Node__Engine__MaxSequences"] = "1",
            ["Herd__Node__Engine__SyntheticTokensPerSecond"] = "100",
        });

    public async Task DisposeAsync() => await _herd!.DisposeAsync();

    [Fact]
    public async Task Priority_AHighPriorityJobQueuedAfterLowOnes_RunsFirst()
    {
        var finished = new ConcurrentQueue<string>();
        var (running, firstToken) = StartLong("running", finished, tokens: 300);
        await firstToken.Task;
        var low1 = Run("low-1", priority: 0, finished);
        await WaitForQueuedAsync(1);
        var low2 = Run("low-2", priority: 0, finished);
        await WaitForQueuedAsync(2);
        var high = Run("high", priority: 5, finished);
        await Task.WhenAll(running, low1, low2, high);

        Assert.Equal(["running", "high", "low-1", "low-2"], finished);
    }

    [Fact]
    public async Task QueueFull_IsResourceExhausted_WithARetryHint()
    {
        using var stop = new CancellationTokenSource();
        var (running, firstToken) = StartLong("running", new ConcurrentQueue<string>(), cancellationToken: stop.Token);
        await firstToken.Task;
        var queued = Enumerable.Range(0, MaxDepth).Select(_ => Swallow(StreamedCompletion.RunAsync(Client, MeshClient.Request("wait", 4), cancellationToken: stop.Token))).ToList();
        await WaitForQueuedAsync(MaxDepth);

        var error = await Assert.ThrowsAsync<RpcException>(() => StreamedCompletion.RunAsync(Client, MeshClient.Request("one too many", 4)));
        await stop.CancelAsync();
        await Task.WhenAll(queued.Append(Swallow(running)));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("full", error.Status.Detail, StringComparison.Ordinal);
        Assert.True(long.Parse(error.Trailers.GetValue("retry-after-ms")!, System.Globalization.CultureInfo.InvariantCulture) > 0);
        // Cancelled clients took their jobs out of the queue.
        await WaitForQueuedAsync(0);
    }

    [Fact]
    public async Task CancelMidStream_FreesTheSlotForTheNextJob()
    {
        using var stop = new CancellationTokenSource();
        var (running, firstToken) = StartLong("running", new ConcurrentQueue<string>(), cancellationToken: stop.Token);
        await firstToken.Task;
        var next = StreamedCompletion.RunAsync(Client, MeshClient.Request("next please", 4));
        await WaitForQueuedAsync(1);

        await stop.CancelAsync();
        var served = await next;

        // The client library reports its own cancellation (as CANCELLED, or UNAVAILABLE when the reset races the read).
        await Assert.ThrowsAsync<RpcException>(() => running);
        Assert.Equal(4, served.Done.Usage.CompletionTokens);
        // The long job would have run for 15 s; the next one did not wait for that.
        Assert.True(served.Done.QueueWait.ToTimeSpan() < TimeSpan.FromSeconds(5), $"waited {served.Done.QueueWait.ToTimeSpan()}");
    }

    [Fact]
    public async Task ClientDeadline_WhileQueued_IsDeadlineExceeded_AndTheJobLeavesTheQueue()
    {
        using var stop = new CancellationTokenSource();
        var (running, firstToken) = StartLong("running", new ConcurrentQueue<string>(), cancellationToken: stop.Token);
        await firstToken.Task;

        using var call = Client.Complete(MeshClient.Request("too slow", 4), deadline: DateTime.UtcNow.AddMilliseconds(500));
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        await WaitForQueuedAsync(0);
        await stop.CancelAsync();
        await Swallow(running);

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    private (Task<StreamedCompletion> Run, TaskCompletionSource FirstToken) StartLong(string name, ConcurrentQueue<string> finished, int tokens = 1500, CancellationToken cancellationToken = default)
    {
        var firstToken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = Track(name, finished, StreamedCompletion.RunAsync(Client, MeshClient.Request("A long story about llamas", tokens), _ => firstToken.TrySetResult(), cancellationToken: cancellationToken));
        return (run, firstToken);
    }

    private Task<StreamedCompletion> Run(string name, int priority, ConcurrentQueue<string> finished) =>
        Track(name, finished, StreamedCompletion.RunAsync(Client, MeshClient.Request(name, 4, priority: priority)));

    private static async Task<StreamedCompletion> Track(string name, ConcurrentQueue<string> finished, Task<StreamedCompletion> run)
    {
        var result = await run;
        finished.Enqueue(name);
        return result;
    }

    private static async Task Swallow(Task task)
    {
        try
        {
            await task;
        }
        catch (RpcException)
        {
            // Cancelled on purpose.
        }
    }

    private async Task WaitForQueuedAsync(long depth)
    {
        var catalog = new Catalog.CatalogClient(Herd.Gateways[0].Channel);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await catalog.ListModelsAsync(new ListModelsRequest())).Models.Single().Queued != depth)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the queue did not reach {depth} jobs");
            await Task.Delay(20);
        }
    }
}
