using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Tests.Fixtures;

namespace Herd.Tests.Gateway.Prompts;

/// <summary>Calling published prompts end to end: through the gRPC and HTTP doors, to the nodes of their target models, into the ledger.</summary>
public sealed class PromptCallTests(PromptHerdFixture fixture) : IClassFixture<PromptHerdFixture>
{
    [Fact]
    public async Task Seed_TheGatewaysFile_IsPublished()
    {
        var admin = await fixture.KeyAsync("admin");

        var listed = await fixture.Prompts.ListPromptsAsync(new ListPromptsRequest(), admin);

        // Other tests publish prompts of their own; those the file seeded have no publishing key.
        Assert.Equal(
            ["broken_chain", "nowhere", "on_bench", "reply", "welcome", "welcome_reply"],
            listed.Prompts.Where(prompt => prompt.PublishedBy.Length == 0).Select(prompt => prompt.Definition.Id));
        var welcome = listed.Prompts.Single(prompt => prompt.Definition.Id == "welcome");
        Assert.Equal(("1.0", "prod", ""), (welcome.Definition.Version, welcome.Definition.Stage, welcome.PublishedBy));
        Assert.Equal([("name", "world"), ("mood", "glad")], welcome.Definition.Variables.Select(variable => (variable.Name, variable.DefaultValue)));
        var chain = listed.Prompts.Single(prompt => prompt.Definition.Id == "welcome_reply");
        Assert.Equal([("name", "world"), ("mood", "glad")], chain.Definition.Variables.Select(variable => (variable.Name, variable.DefaultValue)));
    }

    [Fact]
    public async Task Call_WithoutValues_TakesTheDefaultsAndThePromptsSampling()
    {
        var user = await fixture.KeyAsync("user");

        var (done, _) = await CallAsync(user, new PromptCall { Id = "welcome" });

        Assert.Equal(("welcome", "1.0", TestHerd.Model), (done.PromptId, done.PromptVersion, (await fixture.RecordsAsync(record => record.RequestId == done.LedgerId)).Single().Model));
        Assert.InRange(done.Usage.CompletionTokens, 1, 4);
        Assert.Equal("Dear world, we are glad.", (await fixture.HistoryAsync(done.LedgerId)).Prompt);
        var record = (await fixture.RecordsAsync(record => record.RequestId == done.LedgerId)).Single();
        Assert.Equal(("welcome", "1.0", (string?)null), (record.PromptId, record.PromptVersion, record.ParentRequestId));
    }

    [Fact]
    public async Task Call_WithValuesAndSampling_OverridesTheDefaults()
    {
        var user = await fixture.KeyAsync("user");
        var call = new PromptCall { Id = "welcome", Variables = { ["name"] = "Ada <b>&</b>", ["mood"] = "{{name}}" } };

        var (done, _) = await CallAsync(user, call, new SamplingParams { MaxTokens = 1 });

        Assert.Equal(1, done.Usage.CompletionTokens);
        Assert.Equal("Dear Ada <b>&</b>, we are {{name}}.", (await fixture.HistoryAsync(done.LedgerId)).Prompt);
    }

    [Fact]
    public async Task Call_UnknownVariable_IsRefusedNamingIt()
    {
        var user = await fixture.KeyAsync("user");

        var error = await Assert.ThrowsAsync<RpcException>(() => CallAsync(user, new PromptCall { Id = "welcome", Variables = { ["nmae"] = "Ada" } }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("Prompt 'welcome' version '1.0' has no variable 'nmae'; its variables are name, mood.", error.Status.Detail);
    }

    [Fact]
    public async Task Call_GoesToANodeOfATargetModel()
    {
        var user = await fixture.KeyAsync("user");

        var (first, _) = await CallAsync(user, new PromptCall { Id = "on_bench" });
        var (named, _) = await CallAsync(user, new PromptCall { Id = "on_bench" }, model: TestHerd.Model);
        var outside = await Assert.ThrowsAsync<RpcException>(() => CallAsync(user, new PromptCall { Id = "welcome" }, model: PromptHerdFixture.BenchModel));

        Assert.Equal("node-1", first.NodeId);
        Assert.Equal("node-0", named.NodeId);
        Assert.Equal(StatusCode.InvalidArgument, outside.StatusCode);
        Assert.Contains("is written for herd-tiny, not 'herd-bench'", outside.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_ANewVersion_LeavesEachVersionCallable()
    {
        var admin = await fixture.KeyAsync("admin");
        var user = await fixture.KeyAsync("user");
        await fixture.Prompts.PublishPromptAsync(new PublishPromptRequest { Definition = Definition("versioned", "First {{name}}.", version: "1", stage: "prod") }, admin);
        var second = await fixture.Prompts.PublishPromptAsync(new PublishPromptRequest { Definition = Definition("versioned", "Second {{name}}.", version: "", stage: "prod") }, admin);

        var (newest, _) = await CallAsync(user, new PromptCall { Id = "versioned" });
        var (first, _) = await CallAsync(user, new PromptCall { Id = "versioned", Version = "1" });

        Assert.Equal("2", second.Definition.Version);
        Assert.Equal(("2", "1"), (newest.PromptVersion, first.PromptVersion));
        Assert.Equal("Second world.", (await fixture.HistoryAsync(newest.LedgerId)).Prompt);
        Assert.Equal("First world.", (await fixture.HistoryAsync(first.LedgerId)).Prompt);
    }

    [Fact]
    public async Task Stages_DecideWhoSeesAndCallsWhichVersion()
    {
        var admin = await fixture.KeyAsync("admin");
        var engineer = await fixture.KeyAsync("engineer");
        var user = await fixture.KeyAsync("user");
        await fixture.Prompts.PublishPromptAsync(new PublishPromptRequest { Definition = Definition("staged", "Released {{name}}.", version: "1", stage: "prod") }, admin);
        await fixture.Prompts.PublishPromptAsync(new PublishPromptRequest { Definition = Definition("staged", "Trying {{name}}.", version: "2", stage: "") }, engineer);

        var userSees = await fixture.Prompts.GetPromptAsync(new GetPromptRequest { Id = "staged" }, user);
        var engineerSees = await fixture.Prompts.GetPromptAsync(new GetPromptRequest { Id = "staged" }, engineer);
        var (userCall, _) = await CallAsync(user, new PromptCall { Id = "staged" });
        var (engineerCall, _) = await CallAsync(engineer, new PromptCall { Id = "staged" });
        var hidden = await Assert.ThrowsAsync<RpcException>(() => CallAsync(user, new PromptCall { Id = "staged", Version = "2" }));
        var toProd = await Assert.ThrowsAsync<RpcException>(() => fixture.Prompts.PublishPromptAsync(new PublishPromptRequest { Definition = Definition("staged", "Sneaky {{name}}.", version: "3", stage: "prod") }, engineer).ResponseAsync);
        var byUser = await Assert.ThrowsAsync<RpcException>(() => fixture.Prompts.PublishPromptAsync(new PublishPromptRequest { Definition = Definition("mine", "Mine {{name}}.", version: "1", stage: "prod") }, user).ResponseAsync);

        Assert.Equal([("1", "prod")], userSees.Versions.Select(version => (version.Definition.Version, version.Definition.Stage)));
        Assert.Equal([("2", "dev")], engineerSees.Versions.Select(version => (version.Definition.Version, version.Definition.Stage)));
        Assert.Equal(("1", "2"), (userCall.PromptVersion, engineerCall.PromptVersion));
        Assert.Equal(StatusCode.NotFound, hidden.StatusCode);
        Assert.Contains("no callable version '2' of prompt 'staged' that your role may use", hidden.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, toProd.StatusCode);
        Assert.Contains("may not publish prompt 'staged' on stage 'prod'", toProd.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, byUser.StatusCode);
    }

    [Fact]
    public async Task Retire_StopsCallsButKeepsTheVersionReadable()
    {
        var admin = await fixture.KeyAsync("admin");
        await fixture.Prompts.PublishPromptAsync(new PublishPromptRequest { Definition = Definition("retiring", "Old {{name}}.", version: "1", stage: "prod") }, admin);
        await CallAsync(admin, new PromptCall { Id = "retiring" });

        var retired = await fixture.Prompts.RetirePromptAsync(new RetirePromptRequest { Id = "retiring" }, admin);
        var refused = await Assert.ThrowsAsync<RpcException>(() => CallAsync(admin, new PromptCall { Id = "retiring" }));
        var read = await fixture.Prompts.GetPromptAsync(new GetPromptRequest { Id = "retiring" }, admin);
        var listed = await fixture.Prompts.ListPromptsAsync(new ListPromptsRequest { Search = "retiring" }, admin);

        Assert.NotNull(Assert.Single(retired.Versions).RetiredAt);
        Assert.Equal(StatusCode.NotFound, refused.StatusCode);
        Assert.NotNull(Assert.Single(read.Versions).RetiredAt);
        Assert.Empty(listed.Prompts);
    }

    [Fact]
    public async Task Publish_AVersionTwice_IsAlreadyExists()
    {
        var admin = await fixture.KeyAsync("admin");

        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Prompts.PublishPromptAsync(new PublishPromptRequest { Definition = Definition("welcome", "Changed {{name}}.", version: "1.0", stage: "prod") }, admin).ResponseAsync);
        var invalid = await Assert.ThrowsAsync<RpcException>(() => fixture.Prompts.PublishPromptAsync(new PublishPromptRequest { Definition = Definition("Bad Id", "x", version: "1", stage: "prod") }, admin).ResponseAsync);

        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Contains("id 'Bad Id' is not allowed", invalid.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chain_StreamsItsLastStepAndRecordsEachStepUnderOneParent()
    {
        var user = await fixture.KeyAsync("user");

        var (done, deltas) = await CallAsync(user, new PromptCall { Id = "welcome_reply", Variables = { ["name"] = "Ada" } });

        Assert.NotEmpty(deltas);
        Assert.Equal(("reply", "1"), (done.PromptId, done.PromptVersion));
        Assert.NotEmpty(done.ParentRequestId);
        var steps = await fixture.RecordsAsync(record => record.ParentRequestId == done.ParentRequestId, count: 2);
        Assert.Equal([("welcome", "OK"), ("reply", "OK")], steps.Select(step => (step.PromptId!, step.Status)));
        Assert.Equal(done.LedgerId, steps[1].RequestId);
        var first = await fixture.HistoryAsync(steps[0].RequestId);
        var second = await fixture.HistoryAsync(steps[1].RequestId);
        Assert.Equal("Dear Ada, we are glad.", first.Prompt);
        Assert.Equal("Reply to: " + first.Completion, second.Prompt);
        Assert.Equal(string.Concat(deltas), second.Completion);
    }

    [Fact]
    public async Task Chain_AFailingStep_FailsTheChainNamingTheStep()
    {
        var user = await fixture.KeyAsync("user");

        var error = await Assert.ThrowsAsync<RpcException>(() => CallAsync(user, new PromptCall { Id = "broken_chain" }, requestId: "broken-chain-run"));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.StartsWith("Step 2 of chain 'broken_chain' version '1' (prompt 'nowhere' version '1') failed: Model 'no-such-model' is not served.", error.Status.Detail, StringComparison.Ordinal);
        var steps = await fixture.RecordsAsync(record => record.ClientRequestId == "broken-chain-run", count: 2);
        Assert.Equal([("welcome", "OK"), ("nowhere", "NOT_FOUND")], steps.Select(step => (step.PromptId!, step.Status)));
        Assert.Single(steps.Select(step => step.ParentRequestId).Distinct());
    }

    [Fact]
    public async Task Chain_UnknownVariableOrAModel_IsRefused()
    {
        var user = await fixture.KeyAsync("user");

        var unknown = await Assert.ThrowsAsync<RpcException>(() => CallAsync(user, new PromptCall { Id = "welcome_reply", Variables = { ["greeting"] = "filled by step 1" } }));
        var model = await Assert.ThrowsAsync<RpcException>(() => CallAsync(user, new PromptCall { Id = "welcome_reply" }, model: TestHerd.Model));

        Assert.Equal(StatusCode.InvalidArgument, unknown.StatusCode);
        Assert.Contains("has no variable 'greeting'; its variables are name, mood", unknown.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, model.StatusCode);
        Assert.Contains("leave model empty", model.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_CompletionsTakeAPromptId()
    {
        using var http = Http(await fixture.SecretAsync("user"));

        using var answer = await http.PostAsJsonAsync("completions", new { model = "", prompt = "", prompt_id = "welcome", variables = new Dictionary<string, string> { ["name"] = "Bo" } });
        using var both = await http.PostAsJsonAsync("completions", new { prompt = "my own text", prompt_id = "welcome" });
        using var missing = await http.PostAsJsonAsync("completions", new { prompt_id = "no_such_prompt" });

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        using var body = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        Assert.Equal("welcome", body.RootElement.GetProperty("model").GetString());
        Assert.InRange(body.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), 1, 4);
        Assert.Equal(HttpStatusCode.BadRequest, both.StatusCode);
        Assert.Contains("Send prompt_id or prompt, not both", await both.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("\"prompt_not_found\"", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsageReports_GroupByPrompt()
    {
        var admin = await fixture.KeyAsync("admin");
        var (done, _) = await CallAsync(admin, new PromptCall { Id = "reply" });
        await fixture.RecordsAsync(record => record.RequestId == done.LedgerId);
        var reports = new UsageReports.UsageReportsClient(fixture.Herd.Gateways[0].Channel);

        var totals = await reports.GetTotalsAsync(
            new GetTotalsRequest { From = Timestamp.FromDateTime(DateTime.UtcNow.AddHours(-1)), To = Timestamp.FromDateTime(DateTime.UtcNow.AddHours(1)), GroupBy = UsageGroupBy.Prompt },
            admin);

        var reply = Assert.Single(totals.Totals, total => total.Group == "reply@1");
        Assert.True(reply.Requests >= 1);
        Assert.Contains(totals.Totals, total => total.Group.Length == 0 || total.Group.Contains('@', StringComparison.Ordinal));
    }

    private async Task<(CompletionDone Done, List<string> Deltas)> CallAsync(Metadata key, PromptCall call, SamplingParams? sampling = null, string model = "", string requestId = "")
    {
        using var stream = fixture.Completions.Complete(new CompletionRequest { Model = model, PromptCall = call, Sampling = sampling, RequestId = requestId }, key);
        var deltas = new List<string>();
        CompletionDone? done = null;
        await foreach (var completionEvent in stream.ResponseStream.ReadAllAsync())
        {
            if (completionEvent.EventCase == CompletionEvent.EventOneofCase.Delta)
            {
                deltas.Add(completionEvent.Delta.Text);
            }
            else
            {
                done = completionEvent.Done;
            }
        }

        return (done ?? throw new InvalidOperationException("The stream ended without CompletionDone."), deltas);
    }

    private HttpClient Http(string key)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{fixture.Herd.Gateways[0].HttpPort}/v1/"), Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static PromptDefinition Definition(string id, string template, string version, string stage) => new()
    {
        Id = id,
        Name = $"The {id} prompt",
        TargetModels = { TestHerd.Model },
        Version = version,
        Stage = stage,
        Template = template,
        Variables = { new PromptVariable { Name = "name", DefaultValue = "world" } },
        Sampling = new SamplingParams { Temperature = 0, MaxTokens = 2 },
    };
}
