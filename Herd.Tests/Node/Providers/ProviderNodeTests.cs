using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Tests.Fixtures;
using Herd.Tests.Mesh;

namespace Herd.Tests.Node.Providers;

/// <summary>
/// Provider nodes on a real herd (herd A), serving models from another herd's OpenAI-compatible
/// HTTP API (herd B): streaming, usage, each provider error's status, the fallback of a busy
/// model, and node groups. See <see cref="ProviderHerdFixture"/> for the two herds.
/// </summary>
public sealed class ProviderNodeTests(ProviderHerdFixture fixture) : IClassFixture<ProviderHerdFixture>
{
    private Completions.CompletionsClient HerdA => fixture.Herd.Gateways[0].Completions;

    [Fact]
    public async Task Chat_StreamsTheProvidersDeltas_AsHerdBServesThem_WithHerdBsUsage()
    {
        var deltas = 0;
        var viaProvider = await StreamedCompletion.RunAsync(HerdA, Chat(ProviderHerdFixture.Remote, maxTokens: 8), _ => deltas++, fixture.Herd.KeyHeaders());
        var direct = await StreamedCompletion.RunAsync(fixture.Provider.Gateways[0].Completions, Chat(TestHerd.Model, maxTokens: 8), headers: fixture.Provider.KeyHeaders());

        Assert.True(deltas > 1, $"The answer came in {deltas} deltas.");
        Assert.Equal(direct.Text, viaProvider.Text);
        Assert.Equal(direct.Done.Usage, viaProvider.Done.Usage);
        Assert.Equal(direct.Done.FinishReason, viaProvider.Done.FinishReason);
        Assert.Equal(ProviderHerdFixture.RemoteNodeId, viaProvider.Done.NodeId);
        // The provider's token ids are not the herd's: none are passed on.
        Assert.Empty(viaProvider.TokenIds);
    }

    [Fact]
    public async Task Prompt_GoesToTheProvidersCompletions_AndEndsWithItsUsage()
    {
        var viaProvider = await StreamedCompletion.RunAsync(HerdA, Prompt(ProviderHerdFixture.Remote, maxTokens: 6), headers: fixture.Herd.KeyHeaders());
        var direct = await StreamedCompletion.RunAsync(fixture.Provider.Gateways[0].Completions, Prompt(TestHerd.Model, maxTokens: 6), headers: fixture.Provider.KeyHeaders());

        Assert.Equal(direct.Text, viaProvider.Text);
        Assert.Equal(direct.Done.Usage, viaProvider.Done.Usage);
        Assert.Equal(FinishReason.Length, viaProvider.Done.FinishReason);
    }

    [Fact]
    public async Task Embeddings_AreTheProvidersVectors_AndItsTokenCount()
    {
        var texts = new[] { "The herd crosses the river", "A second text" };

        var viaProvider = await StreamedCompletion.RunAsync(HerdA, new CompletionRequest { Model = ProviderHerdFixture.Remote, Embed = new EmbedInput { Texts = { texts } } }, headers: fixture.Herd.KeyHeaders());
        var direct = await StreamedCompletion.RunAsync(fixture.Provider.Gateways[0].Completions, new CompletionRequest { Model = TestHerd.Model, Embed = new EmbedInput { Texts = { texts } } }, headers: fixture.Provider.KeyHeaders());

        Assert.Equal(2, viaProvider.Done.Embeddings.Count);
        foreach (var (expected, actual) in direct.Done.Embeddings.Zip(viaProvider.Done.Embeddings))
        {
            Assert.Equal(expected.Values.Count, actual.Values.Count);
            Assert.All(expected.Values.Zip(actual.Values), pair => Assert.Equal(pair.First, pair.Second, 1e-6f));
        }

        Assert.Equal(direct.Done.Usage.PromptTokens, viaProvider.Done.Usage.PromptTokens);
        Assert.Equal(ProviderHerdFixture.RemoteNodeId, viaProvider.Done.NodeId);
    }

    [Fact]
    public async Task ProviderRateLimit_IsResourceExhausted_WithItsRetryHint()
    {
        // The node's key may make one request an hour on herd B.
        await StreamedCompletion.RunAsync(HerdA, Prompt(ProviderHerdFixture.Limited, maxTokens: 1), headers: fixture.Herd.KeyHeaders());

        var refused = await Assert.ThrowsAsync<RpcException>(() => StreamedCompletion.RunAsync(HerdA, Prompt(ProviderHerdFixture.Limited, maxTokens: 1), headers: fixture.Herd.KeyHeaders()));

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("The provider is rate limiting this node (HTTP 429)", refused.Status.Detail, StringComparison.Ordinal);
        Assert.NotNull(refused.Trailers.GetValue("retry-after-ms"));
    }

    [Fact]
    public async Task ProviderRefusingTheKey_IsFailedPrecondition_AndTheNodeLogsWhatToFix()
    {
        var refused = await Assert.ThrowsAsync<RpcException>(() => StreamedCompletion.RunAsync(HerdA, Prompt(ProviderHerdFixture.Locked, maxTokens: 1), headers: fixture.Herd.KeyHeaders()));

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("The provider refused this node's credentials (HTTP 401)", refused.Status.Detail, StringComparison.Ordinal);
        await fixture.LockedNode.WaitForOutputAsync(
            output => output.Contains("Configuration error: the provider at", StringComparison.Ordinal) && output.Contains("set a valid key in Herd:Node:Provider:ApiKey", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10));
        Assert.DoesNotContain("herd-not-a-key", fixture.LockedNode.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProviderDown_IsUnavailable_FromTheProvider_NotAfterTheQueuesMaxWait()
    {
        var failed = await Assert.ThrowsAsync<RpcException>(() => StreamedCompletion.RunAsync(HerdA, Prompt(ProviderHerdFixture.Down, maxTokens: 1), headers: fixture.Herd.KeyHeaders()));

        Assert.Equal(StatusCode.Unavailable, failed.StatusCode);
        // The provider's own failure, passed on once: not requeued to the same node until the wait ran out.
        Assert.Contains("could not be reached", failed.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientCancelling_AbortsTheRequestToTheProvider()
    {
        using var leaving = new CancellationTokenSource();
        // At 20 tokens/s herd B would take 20 s over this answer.
        using var call = HerdA.Complete(Prompt(ProviderHerdFixture.Slow, maxTokens: 400), fixture.Herd.KeyHeaders(), cancellationToken: leaving.Token);
        Assert.True(await call.ResponseStream.MoveNext());

        await leaving.CancelAsync();

        await Poll.UntilAsync(async () => (await fixture.ProviderRecordsAsync(fixture.SlowModel)).Count > 0, "herd B recorded the request");
        var record = Assert.Single(await fixture.ProviderRecordsAsync(fixture.SlowModel));
        Assert.Equal("CANCELLED", record.Status);
        Assert.InRange(record.CompletionTokens, 1, 399);
    }

    [Fact]
    public async Task BusyModel_FallsBackToTheProvider_AfterItsWait()
    {
        var headers = fixture.Herd.KeyHeaders();
        using var occupying = new CancellationTokenSource();
        // herd-tiny's one local slot is taken by a long answer at 20 tokens/s.
        using var busy = HerdA.Complete(Prompt(TestHerd.Model, maxTokens: 400), headers, cancellationToken: occupying.Token);
        Assert.True(await busy.ResponseStream.MoveNext());

        var fellBack = await StreamedCompletion.RunAsync(HerdA, Prompt(TestHerd.Model, maxTokens: 4), headers: headers);
        await occupying.CancelAsync();

        Assert.Equal(ProviderHerdFixture.RemoteNodeId, fellBack.Done.NodeId);
        Assert.Equal(4, fellBack.Done.Usage.CompletionTokens);
        Assert.NotEmpty(fellBack.Text);
    }

    [Fact]
    public async Task AModelNoNodeServes_IsQueued_AndFallsBackToTheProvider_AfterItsWait()
    {
        var fellBack = await StreamedCompletion.RunAsync(HerdA, Prompt(ProviderHerdFixture.Nodeless, maxTokens: 3), headers: fixture.Herd.KeyHeaders());
        var noFallback = await Assert.ThrowsAsync<RpcException>(() => StreamedCompletion.RunAsync(HerdA, Prompt("herd-nowhere", maxTokens: 3), headers: fixture.Herd.KeyHeaders()));

        Assert.Equal(ProviderHerdFixture.RemoteNodeId, fellBack.Done.NodeId);
        Assert.Equal(3, fellBack.Done.Usage.CompletionTokens);
        Assert.Equal(StatusCode.NotFound, noFallback.StatusCode);
    }

    [Fact]
    public async Task NodeGroups_AProviderNodeServesOnlyRolesOfItsGroup()
    {
        var (teamA, teamB) = (await fixture.HerdKeyAsync("team-a"), await fixture.HerdKeyAsync("team-b"));

        var served = await StreamedCompletion.RunAsync(HerdA, Prompt(ProviderHerdFixture.Remote, maxTokens: 2), headers: teamA);
        // No node of team-b's groups serves the model: the job waits out the queue's maximum wait.
        var otherTeam = await Assert.ThrowsAsync<RpcException>(() => StreamedCompletion.RunAsync(HerdA, Prompt(ProviderHerdFixture.Remote, maxTokens: 2), headers: teamB));

        Assert.Equal(ProviderHerdFixture.RemoteNodeId, served.Done.NodeId);
        Assert.Equal(StatusCode.DeadlineExceeded, otherTeam.StatusCode);
    }

    [Fact]
    public async Task ModelCommands_AreRefused_TheProviderNodesModelsComeFromItsConfiguration()
    {
        var admin = new NodeAdmin.NodeAdminClient(fixture.Herd.Gateways[0].Channel);

        var refused = await Assert.ThrowsAsync<RpcException>(async () => await admin.LoadModelAsync(new NodeModelRequest { NodeId = ProviderHerdFixture.RemoteNodeId, Model = "herd-bench" }, fixture.Herd.KeyHeaders()));

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("A provider node serves its mapped models; change Herd:Node:Provider:Models", refused.Status.Detail, StringComparison.Ordinal);
    }

    private static CompletionRequest Chat(string model, int maxTokens) => new()
    {
        Model = model,
        Chat = new ChatMessages { Messages = { new ChatMessage { Role = "user", Content = "Tell me about the herd" } } },
        Sampling = new SamplingParams { Temperature = 0, MaxTokens = maxTokens },
    };

    private static CompletionRequest Prompt(string model, int maxTokens) => new()
    {
        Model = model,
        Prompt = "The herd crosses the river",
        Sampling = new SamplingParams { Temperature = 0, MaxTokens = maxTokens },
    };
}
