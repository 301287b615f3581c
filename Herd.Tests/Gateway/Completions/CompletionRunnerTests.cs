using Herd.Contracts.V1;
using Herd.Gateway.Access;
using Herd.Gateway.Access.Roles;
using Herd.Gateway.Admission;
using Herd.Gateway.Completions;
using Herd.Gateway.Failures;
using Herd.Gateway.Queue;
using Herd.Tests.Fixtures;
using Herd.Tests.Gateway.Fees;

namespace Herd.Tests.Gateway.Completions;

/// <summary>
/// The request path on its own, whichever door a request comes through: the runner over the real
/// queue, relay and catalog in Redis, with the node's part played by taking the job from the queue
/// and sending its events through the serving gateway's relay.
/// </summary>
[Collection(WithServers.Name)]
public sealed class CompletionRunnerTests(ServersFixture servers)
{
    private const string Model = RunnerTestBed.Model;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private static readonly byte[] Payload = [1];

    // The longest window a rule may have, so that no test runs across a window's end.
    private static readonly TimeSpan AYear = TimeSpan.FromDays(366);

    [Fact]
    public async Task Run_ServedByANode_StreamsItsDeltas_AndEndsWithDoneFromTheNode()
    {
        await using var bed = await RunnerTestBed.CreateAsync(servers.Redis);
        var recorder = new RecordingUsageRecorder();
        var runner = bed.Runner(new OpenAdmission(), recorder);

        var running = RunnerTestBed.RunToEndAsync(runner, Request());
        var serving = bed.Node.ServeAsync(Model, promptTokens: 5, completionTokens: 2);
        await Task.WhenAll(running, serving);
        await bed.Ends.DrainAsync();

        var events = await running;
        var job = await serving;
        Assert.Equal(
            [CompletionEvent.EventOneofCase.Delta, CompletionEvent.EventOneofCase.Delta, CompletionEvent.EventOneofCase.Done],
            events.Select(completionEvent => completionEvent.EventCase));
        Assert.Equal(["Hel", "lo"], events.Take(2).Select(completionEvent => completionEvent.Delta.Text));
        Assert.Equal([9906, 385], events.Take(2).SelectMany(completionEvent => completionEvent.Delta.TokenIds));
        var done = events[2].Done;
        Assert.Equal((5, 2), (done.Usage.PromptTokens, done.Usage.CompletionTokens));
        Assert.Equal(("node-1", FinishReason.Stop, "client-1"), (done.NodeId, done.FinishReason, done.RequestId));
        Assert.Equal(job.JobId, Assert.Single(recorder.Opened));
        var closed = Assert.Single(recorder.Closed);
        Assert.Equal((job.JobId, OutcomeNames.Ok, "node-1", 5, 2), (closed.JobId, closed.OutcomeName, closed.NodeId, closed.PromptTokens, closed.CompletionTokens));
        Assert.Equal(0, bed.Mailboxes.Count);
    }

    [Fact]
    public async Task Run_OverTheRolesRequestLimit_IsOverLimitWithRetryAfter_QueuesNothing_AndClosesResourceExhausted()
    {
        await using var bed = await RunnerTestBed.CreateAsync(servers.Redis);
        var recorder = new RecordingUsageRecorder();
        var runner = bed.Runner(await bed.KeyedAdmissionAsync(servers.Postgres), recorder);
        var caller = Caller(new Role("one-a-year") { Limits = [new LimitRule(LimitKind.Requests, 1, AYear)] });
        await Task.WhenAll(RunnerTestBed.RunToEndAsync(runner, Request(), caller), bed.Node.ServeAsync(Model, 5, 2));

        var refused = await Assert.ThrowsAsync<RequestFailedException>(() => RunnerTestBed.RunToEndAsync(runner, Request(), caller));
        await bed.Ends.DrainAsync();

        Assert.Equal(FailureKind.OverLimit, refused.Kind);
        Assert.Contains("1 requests per 366d", refused.Message, StringComparison.Ordinal);
        Assert.NotNull(refused.Failure.RetryAfter);
        Assert.InRange(refused.Failure.RetryAfter.Value, TimeSpan.FromMilliseconds(1), AYear);
        Assert.Equal(2, recorder.Opened.Count);
        var refusedJobId = recorder.Opened[1];
        Assert.Equal(0, await bed.Queue.DepthAsync(Model));
        Assert.Equal(RemoveOutcome.Unknown, (await bed.Queue.RemoveIfQueuedAsync(refusedJobId)).Outcome);
        var closed = Assert.Single(recorder.Closed, record => record.JobId == refusedJobId);
        Assert.Equal(("RESOURCE_EXHAUSTED", FailureKind.OverLimit), (closed.OutcomeName, closed.FailureKind));
        Assert.Null(closed.NodeId);
        Assert.Equal((0, 0, 0m), (closed.PromptTokens, closed.CompletionTokens, closed.Fee));
    }

    [Fact]
    public async Task Run_ModelQueueAtItsMaximumDepth_IsQueueFull_WithTheConfiguredRetryAfter()
    {
        var options = new QueueOptions { MaxDepthPerModel = 1, QueueFullRetryAfter = TimeSpan.FromSeconds(3), MaxWait = TimeSpan.FromSeconds(30) };
        await using var bed = await RunnerTestBed.CreateAsync(servers.Redis, options);
        await bed.Queue.EnqueueAsync(new QueuedJob("waiting-job", Model, 0, RunnerTestBed.OwnerGatewayId, Payload));
        var recorder = new RecordingUsageRecorder();
        var runner = bed.Runner(new OpenAdmission(), recorder);

        var refused = await Assert.ThrowsAsync<RequestFailedException>(() => RunnerTestBed.RunToEndAsync(runner, Request()));
        await bed.Ends.DrainAsync();

        Assert.Equal(FailureKind.QueueFull, refused.Kind);
        Assert.Equal(TimeSpan.FromSeconds(3), refused.Failure.RetryAfter);
        Assert.Contains($"'{Model}' is full (1 jobs waiting)", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, await bed.Queue.DepthAsync(Model));
        Assert.Equal("RESOURCE_EXHAUSTED", Assert.Single(recorder.Closed).OutcomeName);
    }

    [Fact]
    public async Task Run_ModelNoNodeServes_IsModelNotServed_ListingTheServedModels()
    {
        await using var bed = await RunnerTestBed.CreateAsync(servers.Redis);
        var recorder = new RecordingUsageRecorder();
        var runner = bed.Runner(new OpenAdmission(), recorder);

        var refused = await Assert.ThrowsAsync<RequestFailedException>(() => RunnerTestBed.RunToEndAsync(runner, Request(model: "herd-huge")));
        await bed.Ends.DrainAsync();

        Assert.Equal(FailureKind.ModelNotServed, refused.Kind);
        Assert.Equal("Model 'herd-huge' is not served. Served models: herd-small, herd-tiny.", refused.Message);
        Assert.Empty(recorder.Opened);
        Assert.Empty(await bed.KeysAsync("queue*"));
        Assert.Equal("NOT_FOUND", Assert.Single(recorder.Closed).OutcomeName);
    }

    [Fact]
    public async Task Run_ModelServedOnlyByDrainingNodes_IsUnavailable()
    {
        await using var bed = await RunnerTestBed.CreateAsync(servers.Redis);
        await bed.PublishNodeAsync("node-2", NodeHealth.Draining, "herd-retiring");
        var runner = bed.Runner(new OpenAdmission(), new RecordingUsageRecorder());

        var refused = await Assert.ThrowsAsync<RequestFailedException>(() => RunnerTestBed.RunToEndAsync(runner, Request(model: "herd-retiring")));

        Assert.Equal(FailureKind.Unavailable, refused.Kind);
        Assert.Contains("draining", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_InvalidRequest_IsInvalidRequest_BeforeAnythingIsQueuedOrOpened()
    {
        await using var bed = await RunnerTestBed.CreateAsync(servers.Redis);
        var recorder = new RecordingUsageRecorder();
        var runner = bed.Runner(new OpenAdmission(), recorder);
        var request = Request();
        request.Sampling.TopP = 1.5f;

        var refused = await Assert.ThrowsAsync<RequestFailedException>(() => RunnerTestBed.RunToEndAsync(runner, request));
        await bed.Ends.DrainAsync();

        Assert.Equal(FailureKind.InvalidRequest, refused.Kind);
        Assert.Contains("top_p", refused.Message, StringComparison.Ordinal);
        Assert.Empty(recorder.Opened);
        Assert.Empty(await bed.KeysAsync("queue*"));
        Assert.Empty(await bed.KeysAsync("job:*"));
        Assert.Equal(0, bed.Mailboxes.Count);
        Assert.Equal("INVALID_ARGUMENT", Assert.Single(recorder.Closed).OutcomeName);
    }

    [Fact]
    public async Task Run_NoNodeTakesTheJobWithinMaxWait_IsNoNodeInTime_AndTheJobIsWithdrawn()
    {
        // The maximum wait is the behaviour under test, so it is short.
        await using var bed = await RunnerTestBed.CreateAsync(servers.Redis, new QueueOptions { MaxWait = TimeSpan.FromMilliseconds(200) });
        var recorder = new RecordingUsageRecorder();
        var runner = bed.Runner(new OpenAdmission(), recorder);

        var refused = await Assert.ThrowsAsync<RequestFailedException>(() => RunnerTestBed.RunToEndAsync(runner, Request()));
        await bed.Ends.DrainAsync();

        Assert.Equal(FailureKind.NoNodeInTime, refused.Kind);
        Assert.Contains("within 0.2 s", refused.Message, StringComparison.Ordinal);
        var jobId = Assert.Single(recorder.Opened);
        Assert.Equal(RemoveOutcome.Unknown, (await bed.Queue.RemoveIfQueuedAsync(jobId)).Outcome);
        Assert.Equal(0, await bed.Queue.DepthAsync(Model));
        Assert.Equal("DEADLINE_EXCEEDED", Assert.Single(recorder.Closed).OutcomeName);
    }

    [Theory]
    [InlineData(LinkFailures.InvalidArgument, FailureKind.InvalidRequest, "INVALID_ARGUMENT")]
    [InlineData(LinkFailures.Internal, FailureKind.NodeFailed, "INTERNAL")]
    [InlineData(LinkFailures.NotFound, FailureKind.ModelNotServed, "NOT_FOUND")]
    [InlineData(LinkFailures.ResourceExhausted, FailureKind.NodeBusy, "RESOURCE_EXHAUSTED")]
    [InlineData(LinkFailures.FailedPrecondition, FailureKind.NodeCannotServe, "FAILED_PRECONDITION")]
    public async Task Run_NodeFailsTheJob_EndsWithTheFailureKindOfItsStatus(int linkStatus, FailureKind kind, string outcome)
    {
        await using var bed = await RunnerTestBed.CreateAsync(servers.Redis);
        var recorder = new RecordingUsageRecorder();
        var runner = bed.Runner(new OpenAdmission(), recorder);

        var running = RunnerTestBed.RunToEndAsync(runner, Request());
        var job = await bed.Node.TakeAsync(Model);
        await bed.Node.FailAsync(job, linkStatus, "The prompt does not fit the model's context.");
        var failed = await Assert.ThrowsAsync<RequestFailedException>(() => running);
        await bed.Ends.DrainAsync();

        Assert.Equal(kind, failed.Kind);
        Assert.Equal("The prompt does not fit the model's context.", failed.Message);
        var closed = Assert.Single(recorder.Closed);
        Assert.Equal((job.JobId, outcome, (FailureKind?)kind, "node-1"), (closed.JobId, closed.OutcomeName, closed.FailureKind, closed.NodeId));
    }

    [Fact]
    public async Task Run_ClientCancelsWhileQueued_TakesTheJobOutOfTheQueue_AndClosesCancelled()
    {
        await using var bed = await RunnerTestBed.CreateAsync(servers.Redis);
        var recorder = new RecordingUsageRecorder();
        var runner = bed.Runner(new OpenAdmission(), recorder);
        using var client = new CancellationTokenSource();

        var running = RunnerTestBed.RunToEndAsync(runner, Request(), cancellationToken: client.Token);
        await bed.Node.WaitUntilQueuedAsync(Model);
        await client.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        await bed.Ends.DrainAsync();

        var jobId = Assert.Single(recorder.Opened);
        Assert.Equal(0, await bed.Queue.DepthAsync(Model));
        Assert.Equal(RemoveOutcome.Unknown, (await bed.Queue.RemoveIfQueuedAsync(jobId)).Outcome);
        var closed = Assert.Single(recorder.Closed);
        Assert.Equal(OutcomeNames.Cancelled, closed.OutcomeName);
        Assert.Null(closed.FailureKind);
        Assert.Null(closed.NodeId);
        Assert.False(bed.CancelsOnServingGateway.TryRead(out _));
    }

    [Fact]
    public async Task Run_ClientCancelsWhileServed_AsksTheServingGatewayToStopTheJob()
    {
        await using var bed = await RunnerTestBed.CreateAsync(servers.Redis);
        var recorder = new RecordingUsageRecorder();
        var runner = bed.Runner(new OpenAdmission(), recorder);
        using var client = new CancellationTokenSource();
        await using var events = runner.RunAsync(Request(), null, Door.Grpc, client.Token).GetAsyncEnumerator();

        var first = events.MoveNextAsync();
        var job = await bed.Node.TakeAsync(Model);
        await bed.Node.TokensAsync(job, "Hel", 9906);
        Assert.True(await first);
        Assert.Equal("Hel", events.Current.Delta.Text);
        await client.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await events.MoveNextAsync());
        using var deadline = new CancellationTokenSource(Deadline);
        var cancel = await bed.CancelsOnServingGateway.ReadAsync(deadline.Token);
        await bed.Ends.DrainAsync();

        Assert.Equal((job.JobId, "the client cancelled"), (cancel.JobId, cancel.Reason));
        var closed = Assert.Single(recorder.Closed);
        Assert.Equal((OutcomeNames.Cancelled, "node-1", 1), (closed.OutcomeName, closed.NodeId, closed.CompletionTokens));
    }

    [Fact]
    public async Task Run_WithOpenAdmissionAndNoRecorder_AdmitsAnything_AndWritesNoAccounting()
    {
        await using var bed = await RunnerTestBed.CreateAsync(servers.Redis);
        var runner = bed.Runner(new OpenAdmission(), new NoUsageRecorder());

        var running = RunnerTestBed.RunToEndAsync(runner, Request(model: RunnerTestBed.OtherModel, priority: Role.HighestPriority));
        var serving = bed.Node.ServeAsync(RunnerTestBed.OtherModel, 5, 2);
        await Task.WhenAll(running, serving);
        await bed.Ends.DrainAsync();

        var done = (await running)[^1].Done;
        Assert.Equal(("node-1", "0", string.Empty), (done.NodeId, done.Fee, done.LedgerId));
        Assert.Empty(await bed.KeysAsync("ledger:*"));
        Assert.Empty(await bed.KeysAsync("ticket:*"));
        Assert.Empty(await bed.KeysAsync("limit:*"));
        Assert.Empty(await bed.KeysAsync("budget:*"));
    }

    [Fact]
    public async Task Run_ServedUnderKeyedAdmission_SettlesTheTokensAndFeeUsed_NotTheReservedBound()
    {
        await using var bed = await RunnerTestBed.CreateAsync(servers.Redis);
        var fees = new Dictionary<string, string?>
        {
            ["Herd:Gateway:Fees:Default:PerPromptToken"] = "0.001",
            ["Herd:Gateway:Fees:Default:PerCompletionToken"] = "0.002",
            ["Herd:Gateway:Fees:PriorityMultiplierPerLevel"] = "0",
        };
        var recorder = new RecordingUsageRecorder();
        var runner = bed.Runner(await bed.KeyedAdmissionAsync(servers.Postgres, fees), recorder);
        LimitRule[] limits = [new LimitRule(LimitKind.Tokens, 100_000, AYear)];
        var caller = Caller(new Role("metered") { Limits = limits }, budget: 10m);
        var limiter = bed.Limiter();

        var running = RunnerTestBed.RunToEndAsync(runner, Request(), caller);
        var job = await bed.Node.TakeAsync(Model);
        var reserved = (await limiter.StatusAsync(caller.KeyId, limits))[0].Used;
        await bed.Node.TokensAsync(job, "Hel", 9906);
        await bed.Node.FinishAsync(job, promptTokens: 5, completionTokens: 2);
        var done = (await running)[^1].Done;
        await bed.Ends.DrainAsync();

        // "Hello" is 5 bytes, bounded with 16 template tokens, plus max_tokens 16.
        Assert.Equal(5 + 16 + 16, reserved);
        Assert.Equal(5 + 2, (await limiter.StatusAsync(caller.KeyId, limits))[0].Used);
        Assert.Equal("0.009", done.Fee);
        Assert.Equal(job.JobId, done.LedgerId);
        Assert.Equal(0.009m, Assert.Single(recorder.Closed).Fee);
        Assert.Equal(
            "9000000",
            (string?)await bed.Redis.GetDatabase().StringGetAsync($"{bed.Prefix}budget:{caller.KeyId}"));
    }

    private static CompletionRequest Request(string model = Model, int priority = 0) => new()
    {
        Model = model,
        Prompt = "Hello",
        Priority = priority,
        RequestId = "client-1",
        Sampling = new SamplingParams { MaxTokens = 16 },
    };

    private static Caller Caller(Role role, decimal? budget = null) =>
        new(BudgetTestBed.NewKeyId(), "runner test key", role, HistoryOptOut: false, KeyBudget: budget);
}
