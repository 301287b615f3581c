using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Adapters;
using Herd.Tests.Mesh;
using Herd.Tests.Node.Serving;

namespace Herd.Tests.Gateway.Adapters;

/// <summary>
/// Models with adapters through the gRPC door of a real herd: <c>herd-tiny:adapter</c> and
/// <c>herd-tiny:auto</c> run on the base model's queue and node, the answer and the ledger say
/// which adapters ran, and the roles' <c>allow_experts</c> bound what a key may use.
/// </summary>
[Collection(WithAdapterHerd.Name)]
public sealed class AdapterCompletionTests(AdapterHerdFixture fixture)
{
    private const string Model = AdapterHerdFixture.Model;
    private static readonly string Auto = AdapterModelName.Of(Model, AdapterModelName.Auto);

    [Fact]
    public async Task NamedAdapter_Streams_AndDoneSaysItRanAlone()
    {
        var key = await fixture.KeyAsync("caller");

        var (text, _, done) = await CompleteAsync(key, AdapterModelName.Of(Model, AdapterHerdFixture.Style), "The herd moves");

        Assert.NotEmpty(text);
        var used = Assert.Single(done.Adapters);
        Assert.Equal((AdapterHerdFixture.Style, 1.0, "", false), (used.Adapter, used.Weight, used.Expert, used.HasDistance));
    }

    [Theory]
    [InlineData("code")]
    [InlineData("qa")]
    public async Task Auto_RoutesASampleOfOneKind_ToThatKindsExpert(string kind)
    {
        var key = await fixture.KeyAsync("caller");

        var done = (await CompleteAsync(key, Auto, ServedModelAdapterTests.Samples[kind][0])).Done;

        var used = Assert.Single(done.Adapters);
        Assert.Equal((kind, AdapterHerdFixture.AdapterOf(kind), 1.0, true), (used.Expert, used.Adapter, used.Weight, used.HasDistance));
    }

    [Fact]
    public async Task Auto_TopThree_BlendsThreeExperts_NearestFirst_WithWeightsSummingToOne()
    {
        var key = await fixture.KeyAsync("caller");

        var done = (await CompleteAsync(key, Auto, ServedModelAdapterTests.Samples["code"][1], topExperts: 3)).Done;

        Assert.Equal(3, done.Adapters.Count);
        Assert.Equal("code", done.Adapters[0].Expert);
        Assert.Equal(1.0, done.Adapters.Sum(adapter => adapter.Weight), 9);
        Assert.Equal(3, done.Adapters.Select(adapter => adapter.Expert).Distinct().Count());
        Assert.True(done.Adapters[0].Distance <= done.Adapters[1].Distance && done.Adapters[1].Distance <= done.Adapters[2].Distance);
    }

    [Fact]
    public async Task Chat_OnAuto_BlendsTheTopExpertsItAsksFor_TurnByTurn()
    {
        var key = await fixture.KeyAsync("caller");
        using var call = fixture.Completions.Chat(AdapterHerdFixture.Bearer(key));

        var first = await TurnAsync(call, Auto, ServedModelAdapterTests.Samples["code"][0], topExperts: 2);
        var second = await TurnAsync(call, "", ServedModelAdapterTests.Samples["qa"][0], topExperts: 0);
        await call.RequestStream.CompleteAsync();

        Assert.Equal(2, first.Adapters.Count);
        Assert.Equal("code", first.Adapters[0].Expert);
        Assert.Equal(1.0, first.Adapters.Sum(adapter => adapter.Weight), 9);
        // Routed by its last user message, with the default of one expert.
        Assert.Equal("qa", Assert.Single(second.Adapters).Expert);
    }

    [Fact]
    public async Task Ledger_RecordsTheModelAsAsked_AndTheAdaptersThatRan_AndHistoryShowsThem()
    {
        var key = await fixture.KeyAsync("caller");

        var done = (await CompleteAsync(key, Auto, ServedModelAdapterTests.Samples["reasoning"][0], topExperts: 2)).Done;
        var record = await fixture.RecordAsync(done.LedgerId);
        var history = new Contracts.V1.History.HistoryClient(fixture.Herd.Gateways[0].Channel);
        var page = await history.ListMineAsync(
            new ListMineRequest { From = Timestamp.FromDateTime(DateTime.UtcNow.AddHours(-1)), To = Timestamp.FromDateTime(DateTime.UtcNow.AddHours(1)) },
            AdapterHerdFixture.Bearer(key));

        var expected = string.Join(',', done.Adapters.Select(adapter => $"{adapter.Expert}@{adapter.Weight.ToString("0.####", CultureInfo.InvariantCulture)}"));
        Assert.StartsWith("reasoning@", expected, StringComparison.Ordinal);
        Assert.Equal((Auto, "OK", expected), (record.Model, record.Status, record.Adapters));
        Assert.Equal(expected, Assert.Single(page.Entries, entry => entry.RequestId == done.LedgerId).Adapters);
    }

    [Fact]
    public async Task BaseModel_HasNoAdapters_InTheAnswerOrTheLedger()
    {
        var key = await fixture.KeyAsync("caller");

        var done = (await CompleteAsync(key, Model, "The herd moves")).Done;

        Assert.Empty(done.Adapters);
        Assert.Null((await fixture.RecordAsync(done.LedgerId)).Adapters);
    }

    [Fact]
    public async Task UnknownAdapter_IsNotFound_ListingTheBasesAdapters_AndItsRoutingName()
    {
        var key = await fixture.KeyAsync("caller");

        var refused = await Assert.ThrowsAsync<RpcException>(() => CompleteAsync(key, AdapterModelName.Of(Model, "no-such-adapter"), "x"));

        Assert.Equal(StatusCode.NotFound, refused.StatusCode);
        Assert.Contains("no adapter 'no-such-adapter'", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Contains($"{AdapterHerdFixture.AdapterOf("code")}, {AdapterHerdFixture.AdapterOf("creative")}", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(AdapterHerdFixture.Style, refused.Status.Detail, StringComparison.Ordinal);
        Assert.Contains($"'{Auto}' routes", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RoleWithAllowExperts_NamedAdapterOutsideIt_IsPermissionDenied_NamingTheRoleAndItsPatterns()
    {
        var key = await fixture.KeyAsync("coder");

        var refused = await Assert.ThrowsAsync<RpcException>(() => CompleteAsync(key, AdapterModelName.Of(Model, AdapterHerdFixture.Style), "x"));
        var allowed = (await CompleteAsync(key, AdapterModelName.Of(Model, AdapterHerdFixture.AdapterOf("code")), "x")).Done;

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("role 'coder'", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("code, reasoning, adapter-code", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(AdapterHerdFixture.AdapterOf("code"), Assert.Single(allowed.Adapters).Adapter);
    }

    [Fact]
    public async Task RoleWithAllowExperts_Auto_ChoosesOnlyAmongTheExpertsItAllows()
    {
        var key = await fixture.KeyAsync("coder");

        // A question routes to the qa expert when every expert may be chosen (see above).
        var done = (await CompleteAsync(key, Auto, ServedModelAdapterTests.Samples["qa"][0], topExperts: 3)).Done;

        Assert.Equal(["code", "reasoning"], done.Adapters.Select(adapter => adapter.Expert).Order());
        Assert.Equal(1.0, done.Adapters.Sum(adapter => adapter.Weight), 9);
    }

    [Fact]
    public async Task RoleAllowingNoExpert_Auto_IsPermissionDenied()
    {
        var key = await fixture.KeyAsync("closed");

        var refused = await Assert.ThrowsAsync<RpcException>(() => CompleteAsync(key, Auto, "x"));

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("role 'closed' may use none of model 'herd-tiny''s experts", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("herd-tiny:auto", 17, "top_experts must be in [0, 16]")]
    [InlineData("herd-tiny:auto", -1, "top_experts must be in [0, 16]")]
    [InlineData("herd-tiny", 2, "top_experts applies only to a model that routes to experts")]
    [InlineData("herd-tiny:style", 2, "top_experts applies only to a model that routes to experts")]
    [InlineData("herd-tiny:auto", 5, "it must be between 1 and 4")]
    public async Task TopExperts_OutOfRange_OrOnAModelThatDoesNotRoute_IsInvalidArgument(string model, int topExperts, string says)
    {
        var key = await fixture.KeyAsync("caller");

        var refused = await Assert.ThrowsAsync<RpcException>(() => CompleteAsync(key, model, "x", topExperts));

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains(says, refused.Status.Detail, StringComparison.Ordinal);
    }

    private static async Task<CompletionDone> TurnAsync(AsyncDuplexStreamingCall<ChatClientMessage, ChatServerEvent> call, string model, string content, int topExperts)
    {
        await call.RequestStream.WriteAsync(new ChatClientMessage
        {
            Turn = new ChatTurn
            {
                Model = model,
                Messages = { new ChatMessage { Role = "user", Content = content } },
                Sampling = new SamplingParams { Temperature = 0, MaxTokens = 2 },
                TopExperts = topExperts,
            },
        });
        while (await call.ResponseStream.MoveNext())
        {
            switch (call.ResponseStream.Current.EventCase)
            {
                case ChatServerEvent.EventOneofCase.Done:
                    return call.ResponseStream.Current.Done;
                case ChatServerEvent.EventOneofCase.Failed:
                    throw new InvalidOperationException($"The turn failed: {call.ResponseStream.Current.Failed}");
            }
        }

        throw new InvalidOperationException("The chat ended before the answer did.");
    }

    private Task<StreamedCompletion> CompleteAsync(string key, string model, string prompt, int topExperts = 0) =>
        StreamedCompletion.RunAsync(
            fixture.Completions,
            new CompletionRequest { Model = model, Prompt = prompt, TopExperts = topExperts, Sampling = new SamplingParams { Temperature = 0, MaxTokens = 4 } },
            headers: AdapterHerdFixture.Bearer(key));
}
