using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Adapters;
using Herd.Tests.Fixtures;
using Herd.Tests.Mesh;
using Herd.Tests.Node.Serving;

namespace Herd.Tests.Gateway.Adapters;

/// <summary>
/// The herd's expert registry (<c>herd.v1.Experts</c>) on a real herd, called on the gateway the
/// node is not linked to: an expert registered through the API reaches the node (through the
/// other gateway), which announces it and routes to it; deleting it takes it away again; a herd
/// expert replaces the node's file expert of the same name while it exists.
/// </summary>
[Collection(WithAdapterHerd.Name)]
public sealed class ExpertRegistryTests(AdapterHerdFixture fixture)
{
    private const string Model = AdapterHerdFixture.Model;
    private const string NewExpert = "riddles";
    private const string Riddle = "Zebra quartz xylophone vortex juggles the opal sphinx";
    private static readonly string Auto = AdapterModelName.Of(Model, AdapterModelName.Auto);

    // The node links to gateway 0 only.
    private Contracts.V1.Experts.ExpertsClient Experts => new(fixture.Herd.Gateways[1].Channel);

    [Fact]
    public async Task RegisteredExpert_ReachesTheNode_AndRoutesItsSample_UntilItIsDeleted()
    {
        var admin = AdapterHerdFixture.Bearer(await fixture.KeyAsync("admin"));
        var caller = await fixture.KeyAsync("caller");
        try
        {
            var registered = await Experts.PutExpertAsync(
                Put(NewExpert, AdapterHerdFixture.Style, Riddle), admin);
            await Poll.UntilAsync(async () => (await ListAsync(admin)).Any(expert => expert.Expert.Name == NewExpert && expert.Nodes.Contains("node-0")), "node-0 routes to the new expert");
            var routed = (await CompleteAsync(caller, Riddle)).Done;

            Assert.Equal((Model, NewExpert, AdapterHerdFixture.Style), (registered.Model, registered.Expert.Name, registered.Expert.Adapter));
            Assert.Equal([Riddle], registered.Expert.Samples);
            var used = Assert.Single(routed.Adapters);
            Assert.Equal((NewExpert, AdapterHerdFixture.Style), (used.Expert, used.Adapter));
            Assert.Equal(0.0, used.Distance, 4);
        }
        finally
        {
            await Experts.DeleteExpertAsync(new DeleteExpertRequest { Model = Model, Name = NewExpert }, admin);
        }

        await Poll.UntilAsync(async () => !(await AnnouncedExpertsAsync(admin)).Contains(NewExpert), "the deleted expert leaves the node");
        Assert.DoesNotContain(await ListAsync(admin), expert => expert.Expert.Name == NewExpert);
        Assert.NotEqual(NewExpert, Assert.Single((await CompleteAsync(caller, Riddle)).Done.Adapters).Expert);
    }

    [Fact]
    public async Task HerdExpert_ReplacesTheFileExpertOfItsName_WhileItIsRegistered()
    {
        var admin = AdapterHerdFixture.Bearer(await fixture.KeyAsync("admin"));
        var caller = await fixture.KeyAsync("caller");
        var codeSample = ServedModelAdapterTests.Samples["code"][0];
        try
        {
            await Experts.PutExpertAsync(Put("code", AdapterHerdFixture.Style, codeSample), admin);
            await Poll.UntilAsync(async () => (await ListAsync(admin)).Any(expert => expert.Expert.Name == "code" && expert.Nodes.Contains("node-0")), "node-0 routes to the herd's code expert");
            await Poll.UntilAsync(async () => Assert.Single((await CompleteAsync(caller, codeSample)).Done.Adapters).Adapter == AdapterHerdFixture.Style, "a code sample runs the herd's code expert's adapter");
        }
        finally
        {
            await Experts.DeleteExpertAsync(new DeleteExpertRequest { Model = Model, Name = "code" }, admin);
        }

        // The file's expert of that name comes back.
        await Poll.UntilAsync(async () => Assert.Single((await CompleteAsync(caller, codeSample)).Done.Adapters).Adapter == AdapterHerdFixture.AdapterOf("code"), "a code sample runs the file's code expert's adapter again");
        Assert.Contains("code", await AnnouncedExpertsAsync(admin));
    }

    [Theory]
    [InlineData("bad name!", "style", "riddle", "name must be 1 to 64 letters")]
    [InlineData("riddles", "style", "", "give samples (texts of the expert's kind), a centroid, or both")]
    [InlineData("riddles", "", "riddle", "adapter must name one of the model's adapters")]
    public async Task PutExpert_WithBadFields_IsInvalidArgument_SayingWhichField(string name, string adapter, string sample, string says)
    {
        var admin = AdapterHerdFixture.Bearer(await fixture.KeyAsync("admin"));
        var request = sample.Length > 0 ? Put(name, adapter, sample) : new PutExpertRequest { Model = Model, Expert = new ExpertSpec { Name = name, Adapter = adapter } };

        var refused = await Assert.ThrowsAsync<RpcException>(async () => await Experts.PutExpertAsync(request, admin));

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains(says, refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutExpert_ForAnAdapterNoNodeHas_OrAModelNoNodeServes_IsFailedPrecondition_AndNothingIsStored()
    {
        var admin = AdapterHerdFixture.Bearer(await fixture.KeyAsync("admin"));

        var noAdapter = await Assert.ThrowsAsync<RpcException>(async () =>
            await Experts.PutExpertAsync(Put("ghost", "no-such-adapter", "x"), admin));
        var noModel = await Assert.ThrowsAsync<RpcException>(async () =>
            await Experts.PutExpertAsync(Put("ghost", "style", "x", model: "no-such-model"), admin));

        Assert.Equal(StatusCode.FailedPrecondition, noAdapter.StatusCode);
        Assert.Contains("has adapter 'no-such-adapter'", noAdapter.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(AdapterHerdFixture.Style, noAdapter.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.FailedPrecondition, noModel.StatusCode);
        Assert.Contains("No ready node serves model 'no-such-model'", noModel.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(await ListAsync(admin), expert => expert.Expert.Name == "ghost");
    }

    [Fact]
    public async Task DeleteExpert_ThatIsNotRegistered_IsNotFound_AndCallersOutsideAdmin_AreDenied()
    {
        var admin = AdapterHerdFixture.Bearer(await fixture.KeyAsync("admin"));
        var caller = AdapterHerdFixture.Bearer(await fixture.KeyAsync("caller"));

        var missing = await Assert.ThrowsAsync<RpcException>(async () => await Experts.DeleteExpertAsync(new DeleteExpertRequest { Model = Model, Name = "never-there" }, admin));
        var denied = await Assert.ThrowsAsync<RpcException>(async () =>
            await Experts.PutExpertAsync(Put(NewExpert, AdapterHerdFixture.Style, Riddle), caller));

        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        Assert.Contains("no registered expert 'never-there'", missing.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
    }

    private static PutExpertRequest Put(string name, string adapter, string sample, string model = Model) =>
        new() { Model = model, Expert = new ExpertSpec { Name = name, Adapter = adapter, Samples = { sample } } };

    private async Task<List<RegisteredExpert>> ListAsync(Metadata admin) =>
        [.. (await Experts.ListExpertsAsync(new ListExpertsRequest { Model = Model }, admin)).Experts];

    // What the node announced, as the gateway's node directory shows it.
    private async Task<List<string>> AnnouncedExpertsAsync(Metadata admin)
    {
        var nodes = await new Contracts.V1.Catalog.CatalogClient(fixture.Herd.Gateways[1].Channel).ListNodesAsync(new ListNodesRequest(), admin);
        return [.. nodes.Nodes.SelectMany(node => node.Models).Where(model => model.Name == Model).SelectMany(model => model.Experts)];
    }

    private Task<StreamedCompletion> CompleteAsync(string key, string prompt) =>
        StreamedCompletion.RunAsync(
            fixture.Completions,
            new CompletionRequest { Model = Auto, Prompt = prompt, Sampling = new SamplingParams { Temperature = 0, MaxTokens = 2 } },
            headers: AdapterHerdFixture.Bearer(key));
}
