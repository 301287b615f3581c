using Herd.Node.Adapters;
using Herd.Node.Engine;
using Herd.Node.Experts;
using Herd.Node.Model;
using Herd.Node.Model.Lora;
using Herd.Node.Serving;
using Herd.Tests.Node.Adapters;
using Herd.Tests.Node.Link;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herd.Tests.Node.Serving;

/// <summary>herd-tiny served with LoRA adapters: named, mixed in one batch, and routed to experts.</summary>
public sealed class ServedModelAdapterTests(LinkedNode nodes) : IClassFixture<LinkedNode>, IDisposable
{
    /// <summary>Six kinds of instruction, three samples each, with few words in common between kinds.</summary>
    internal static readonly IReadOnlyDictionary<string, string[]> Samples = new Dictionary<string, string[]>
    {
        ["qa"] = ["What is the capital of France?", "Who wrote the novel about the white whale?", "When did the first moon landing happen?"],
        ["creative"] = ["Write a poem about autumn leaves falling", "Tell a bedtime story about a sleepy dragon", "Compose a song about the sea at dawn"],
        ["code"] = ["def parse(tokens): return [int(t) for t in tokens]", "for (int i = 0; i < n; i++) { sum += a[i]; }", "SELECT name, count(*) FROM users GROUP BY name;"],
        ["reasoning"] = ["If all cats are mammals and Tom is a cat, is Tom a mammal?", "Three boxes hold 4, 7 and 9 apples; how many in total?", "Which is heavier, a kilogram of iron or a kilogram of feathers?"],
        ["function"] = ["{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}", "{\"name\": \"book_flight\", \"arguments\": {\"from\": \"LHR\"}}", "{\"name\": \"send_email\", \"arguments\": {\"to\": \"ops\"}}"],
        ["general"] = ["hello there, how are you today", "thanks a lot, have a nice day", "good morning everyone"],
    };

    private readonly string _folder = Directory.CreateTempSubdirectory("herd-served-adapters-").FullName;

    [Fact]
    public async Task NamedAdapter_ChangesTheOutput_IsReportedFirst_AndIsHeldOnlyWhileItRuns()
    {
        await using var served = Load();
        var greedy = new SamplingParameters { Temperature = 0, MaxTokens = 12 };

        var baseEvents = await CollectAsync(served.GenerateAsync("base", PromptInput.FromText("The herd moves"), greedy));
        var adapted = await CollectAsync(served.GenerateAsync("adapted", PromptInput.FromText("The herd moves"), greedy, Named("expert-0")));

        var chosen = Assert.IsType<AdaptersChosen>(adapted[0]);
        Assert.Equal([new ChosenAdapter("expert-0", 1.0)], chosen.Adapters);
        Assert.NotEqual(Tokens(baseEvents), Tokens(adapted));
        Assert.Equal(0, Assert.Single(served.Adapters.InMemory).Leases);
    }

    [Fact]
    public async Task SixteenConcurrentSequences_WithEightAdaptersAndSomeWithNone_EachGiveWhatTheyGiveAlone()
    {
        await using var served = Load();
        var greedy = new SamplingParameters { Temperature = 0, MaxTokens = 10 };
        AdapterSelection? Selection(int i) => i % 5 == 4 ? null : Named($"expert-{i % 8}");
        string Prompt(int i) => $"Sequence {i} of the herd";

        var alone = new List<IReadOnlyList<int>>();
        for (var i = 0; i < 16; i++)
        {
            alone.Add(Tokens(await CollectAsync(served.GenerateAsync($"alone-{i}", PromptInput.FromText(Prompt(i)), greedy, Selection(i)))));
        }

        var together = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => CollectAsync(served.GenerateAsync($"together-{i}", PromptInput.FromText(Prompt(i)), greedy, Selection(i)))));

        Assert.Equal(alone, together.Select(Tokens));
        Assert.Equal(8, served.Adapters.InMemory.Count);
    }

    [Fact]
    public async Task UnknownAdapter_AndAFullStore_AreRefused_SayingWhy()
    {
        await using var served = Load(maxResident: 1);
        var greedy = new SamplingParameters { Temperature = 0, MaxTokens = 200, IgnoreEndOfSequence = true };

        var unknown = await Assert.ThrowsAsync<AdapterUnavailableException>(() => CollectAsync(served.GenerateAsync("unknown", PromptInput.FromText("x"), greedy, Named("nobody"))));
        await using var running = served.GenerateAsync("holding", PromptInput.FromText("The herd"), greedy, Named("expert-0")).GetAsyncEnumerator();
        Assert.True(await running.MoveNextAsync());
        var full = await Assert.ThrowsAsync<AdapterUnavailableException>(() => CollectAsync(served.GenerateAsync("second", PromptInput.FromText("x"), greedy, Named("expert-1"))));

        Assert.Equal(AdapterUnavailableReason.Unknown, unknown.Reason);
        Assert.Equal(AdapterUnavailableReason.NoRoom, full.Reason);
    }

    [Fact]
    public async Task EverySample_RoutesToItsOwnExpert()
    {
        await using var served = Load(experts: WriteExperts());
        var greedy = new SamplingParameters { Temperature = 0, MaxTokens = 1 };

        foreach (var (expert, samples) in Samples)
        {
            foreach (var sample in samples)
            {
                var events = await CollectAsync(served.GenerateAsync("routed", PromptInput.FromText(sample), greedy, new AdapterSelection.Routed(1, null)));
                var chosen = Assert.Single(Assert.IsType<AdaptersChosen>(events[0]).Adapters);
                Assert.Equal((expert, $"adapter-{expert}", 1.0), (chosen.Expert, chosen.Adapter, chosen.Weight));
            }
        }
    }

    [Fact]
    public async Task WithTheModelsHiddenStates_AnExpertsOneSample_RoutesToIt_AtDistanceZero()
    {
        // herd-tiny's random weights make its hidden states a poor judge of meaning, so each
        // expert has one sample: its centroid is that sample's embedding, found again exactly.
        await using var served = Load(experts: WriteExperts(samplesEach: 1), embedding: RoutingEmbedding.Hidden);
        var greedy = new SamplingParameters { Temperature = 0, MaxTokens = 1 };

        foreach (var (expert, samples) in Samples)
        {
            var events = await CollectAsync(served.GenerateAsync("routed", PromptInput.FromText(samples[0]), greedy, new AdapterSelection.Routed(1, null)));
            var chosen = Assert.Single(Assert.IsType<AdaptersChosen>(events[0]).Adapters);
            Assert.Equal(expert, chosen.Expert);
            Assert.True(chosen.Distance < 1e-5, $"distance {chosen.Distance}");
        }

        var centroid = served.Experts.Find("code")!.Centroid;
        var embedded = (await served.EmbedAsync("sample", [Samples["code"][0]])).Vectors[0];
        Assert.Equal(embedded, centroid);
    }

    [Fact]
    public async Task TopThree_GivesThreeExperts_NearestFirst_WithWeightsSummingToOne_WithinTheAllowedOnes()
    {
        await using var served = Load(experts: WriteExperts());
        var greedy = new SamplingParameters { Temperature = 0, MaxTokens = 1 };
        var chat = PromptInput.FromChat([new("system", "Be brief."), new("user", Samples["code"][0])]);

        var events = await CollectAsync(served.GenerateAsync("top3", chat, greedy, new AdapterSelection.Routed(3, null)));
        HashSet<string> allowed = ["qa", "general", "creative"];
        var restricted = await CollectAsync(served.GenerateAsync("restricted", chat, greedy, new AdapterSelection.Routed(2, allowed)));
        var tooMany = await Assert.ThrowsAsync<InvalidRequestException>(() => CollectAsync(served.GenerateAsync("many", chat, greedy, new AdapterSelection.Routed(5, null))));

        var top = Assert.IsType<AdaptersChosen>(events[0]).Adapters;
        Assert.Equal(3, top.Count);
        Assert.Equal("code", top[0].Expert);
        Assert.Equal(1.0, top.Sum(adapter => adapter.Weight), 9);
        Assert.True(top[0].Distance <= top[1].Distance && top[1].Distance <= top[2].Distance);
        Assert.True(top[0].Weight >= top[1].Weight && top[1].Weight >= top[2].Weight);
        Assert.All(Assert.IsType<AdaptersChosen>(restricted[0]).Adapters, adapter => Assert.Contains(adapter.Expert!, allowed));
        Assert.Contains("between 1 and 4", tooMany.Message);
    }

    [Fact]
    public async Task HerdExperts_OfANewerRevision_ReplaceFileExpertsByName_AndLeaveOutWhatCannotRunHere()
    {
        await using var served = Load(experts: WriteExperts());
        var changes = 0;
        served.ExpertsChanged += () => changes++;
        var qaCentroid = served.Experts.Find("qa")!.Centroid;
        var greedy = new SamplingParameters { Temperature = 0, MaxTokens = 1 };

        var taken = await served.UpdateHerdExpertsAsync(5, [
            new ExpertDefinition { Name = "qa", Adapter = "adapter-code", Samples = [Samples["code"][0]] },
            new ExpertDefinition { Name = "stored", Adapter = "adapter-general", Centroid = [.. qaCentroid], CentroidEmbedding = RoutingEmbedding.Tokens },
            new ExpertDefinition { Name = "elsewhere", Adapter = "no-such-adapter", Samples = ["x"] },
            new ExpertDefinition { Name = "short", Adapter = "adapter-general", Centroid = [1f, 2f] },
        ]);
        var late = await served.UpdateHerdExpertsAsync(4, []);
        var routed = await CollectAsync(served.GenerateAsync("routed", PromptInput.FromText(Samples["code"][0]), greedy, new AdapterSelection.Routed(1, null)));

        Assert.Equal((true, false, 1, 5L), (taken, late, changes, served.Experts.HerdRevision));
        Assert.Equal("adapter-code", served.Experts.Find("qa")!.Adapter);
        Assert.Equal(qaCentroid, served.Experts.Find("stored")!.Centroid);
        Assert.Null(served.Experts.Find("elsewhere"));
        Assert.Null(served.Experts.Find("short"));
        Assert.Equal(Samples.Count + 1, served.Experts.All.Count);
        // The herd's qa expert has that one sample as its centroid: nearer than the file's code expert.
        var chosen = Assert.Single(Assert.IsType<AdaptersChosen>(routed[0]).Adapters);
        Assert.Equal(("qa", "adapter-code"), (chosen.Expert, chosen.Adapter));

        // A newer list that repeats an expert keeps its centroid rather than embedding it again.
        var herdQa = served.Experts.Find("qa")!;
        Assert.True(await served.UpdateHerdExpertsAsync(6, [new ExpertDefinition { Name = "qa", Adapter = "adapter-code", Samples = [Samples["code"][0]] }]));
        Assert.Same(herdQa, served.Experts.Find("qa"));
        Assert.Null(served.Experts.Find("stored"));

        // A newer empty list takes the herd's experts away and brings the file's qa back.
        Assert.True(await served.UpdateHerdExpertsAsync(7, []));
        Assert.Equal("adapter-qa", served.Experts.Find("qa")!.Adapter);
        Assert.Null(served.Experts.Find("stored"));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static AdapterSelection.Named Named(string adapter) => new AdapterSelection.Named([new WeightedName(adapter, 1.0)]);

    private static IReadOnlyList<int> Tokens(IEnumerable<GenerationEvent> events) => [.. events.OfType<GeneratedText>().SelectMany(text => text.TokenIds)];

    private static async Task<List<GenerationEvent>> CollectAsync(IAsyncEnumerable<GenerationEvent> events)
    {
        var collected = new List<GenerationEvent>();
        await foreach (var generationEvent in events)
        {
            collected.Add(generationEvent);
        }

        return collected;
    }

    private string WriteExperts(int samplesEach = 3)
    {
        var path = Path.Combine(_folder, "experts.yaml");
        ExpertFile.Write(path, [.. Samples.Select(pair => new ExpertDefinition { Name = pair.Key, Adapter = $"adapter-{pair.Key}", Samples = [.. pair.Value.Take(samplesEach)] })]);
        return path;
    }

    private ServedModel Load(int maxResident = 16, string? experts = null, string embedding = RoutingEmbedding.Tokens)
    {
        var config = ModelConfig.Load(nodes.ModelFolder);
        var adapters = Path.Combine(_folder, "adapters");
        for (var i = 0; i < 8; i++)
        {
            TestAdapters.Write(adapters, $"expert-{i}", config, rank: 4, alpha: 8, LoraModules.All, seed: 40 + i);
        }

        foreach (var (expert, i) in Samples.Keys.Select((expert, i) => (expert, i)))
        {
            TestAdapters.Write(adapters, $"adapter-{expert}", config, rank: 2, alpha: 2, [LoraModule.QProj, LoraModule.VProj], seed: 60 + i);
        }

        var options = new ServedModelOptions
        {
            Device = "cpu",
            Threads = 1,
            Adapters = new AdapterOptions { Folder = adapters, MaxResident = maxResident },
            Experts = new ExpertOptions { File = experts, Embedding = embedding },
        };
        return ServedModel.Load("herd-tiny", nodes.ModelFolder, options, NullLoggerFactory.Instance);
    }
}
