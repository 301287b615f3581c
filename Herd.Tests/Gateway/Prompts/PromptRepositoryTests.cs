using Herd.Contracts.V1;
using Herd.Gateway.Access.Roles;
using Herd.Gateway.Ledger;
using Herd.Gateway.Prompts.Repository;
using Herd.Tests.Fixtures;
using Herd.Tests.Gateway.Ledger;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herd.Tests.Gateway.Prompts;

[Collection(WithServers.Name)]
public sealed class PromptRepositoryTests(ServersFixture servers)
{
    private static readonly PromptVisibility Everything = PromptVisibility.Everything;

    [Fact]
    public async Task Publish_WithoutVersionOrStage_TakesTheNextVersionOnDev()
    {
        await using var ledger = await LedgerHost.CreateAsync(servers.Postgres);
        var repository = Repository(ledger);

        var first = await repository.PublishAsync(Prompt("greet", "Hello {{name}}", version: "1.0"), "key000000001", Everything);
        var second = await repository.PublishAsync(Prompt("greet", "Hi {{name}}", version: ""), "key000000001", Everything);

        Assert.Equal(("1.0", "dev"), (first.Definition.Version, first.Definition.Stage));
        Assert.Equal(("1.1", "dev"), (second.Definition.Version, second.Definition.Stage));
        Assert.Equal("key000000001", second.PublishedBy);
        var versions = await repository.GetAsync("greet", Everything);
        Assert.Equal(["1.1", "1.0"], versions.Select(version => version.Definition.Version));
        Assert.Equal("Hello {{name}}", versions[1].Definition.Template);
    }

    [Fact]
    public async Task Publish_AVersionTwice_IsRefusedAndTheFirstStays()
    {
        await using var ledger = await LedgerHost.CreateAsync(servers.Postgres);
        var repository = Repository(ledger);
        await repository.PublishAsync(Prompt("greet", "Hello {{name}}", version: "1"), null, Everything);

        var error = await Assert.ThrowsAsync<PromptVersionExistsException>(() => repository.PublishAsync(Prompt("greet", "Changed {{name}}", version: "1"), null, Everything));

        Assert.Contains("already has version '1'", error.Message, StringComparison.Ordinal);
        Assert.Equal("Hello {{name}}", Assert.Single(await repository.GetAsync("greet", Everything)).Definition.Template);
    }

    [Fact]
    public async Task Publish_Invalid_ListsEveryProblemAndStoresNothing()
    {
        await using var ledger = await LedgerHost.CreateAsync(servers.Postgres);
        var repository = Repository(ledger);
        var bad = Prompt("bad", "{{undeclared}}", version: "1");
        bad.Name = " ";

        var error = await Assert.ThrowsAsync<PromptPublishException>(() => repository.PublishAsync(bad, null, Everything));

        Assert.Contains(error.Problems, problem => problem.StartsWith("name must have", StringComparison.Ordinal));
        Assert.Contains(error.Problems, problem => problem.Contains("{{undeclared}}", StringComparison.Ordinal));
        Assert.Contains(error.Problems, problem => problem.Contains("'name' is declared but the prompt never uses it", StringComparison.Ordinal));
        await using var context = ledger.CreateContext();
        Assert.Empty(await context.PromptVersions.ToListAsync());
    }

    [Fact]
    public async Task List_NewestCallableVersionOfEachVisiblePrompt()
    {
        await using var ledger = await LedgerHost.CreateAsync(servers.Postgres);
        var repository = Repository(ledger);
        await repository.PublishAsync(Prompt("alpha", "a {{name}}", version: "1", stage: "prod"), null, Everything);
        await repository.PublishAsync(Prompt("alpha", "b {{name}}", version: "2", stage: "dev"), null, Everything);
        await repository.PublishAsync(Prompt("beta", "c {{name}}", version: "1", stage: "prod", description: "Writes Haiku"), null, Everything);
        await repository.PublishAsync(Prompt("gamma", "d {{name}}", version: "1", stage: "prod"), null, Everything);
        await repository.RetireAsync("gamma", "", Everything, null);
        var prodOnly = PromptVisibility.Of(Role("*@prod"));

        var all = await repository.ListAsync(Everything, "", "");
        var forProd = await repository.ListAsync(prodOnly, "", "");
        var onDev = await repository.ListAsync(Everything, "", "dev");
        var searched = await repository.ListAsync(Everything, "haiku", "");

        Assert.Equal([("alpha", "2"), ("beta", "1")], all.Select(prompt => (prompt.Definition.Id, prompt.Definition.Version)));
        Assert.Equal([("alpha", "1"), ("beta", "1")], forProd.Select(prompt => (prompt.Definition.Id, prompt.Definition.Version)));
        Assert.Equal(["alpha"], onDev.Select(prompt => prompt.Definition.Id));
        Assert.Equal(["beta"], searched.Select(prompt => prompt.Definition.Id));
    }

    [Fact]
    public async Task FindCallable_ByVersionStageOrNewest_AndNeverARetiredOrHiddenOne()
    {
        await using var ledger = await LedgerHost.CreateAsync(servers.Postgres);
        var repository = Repository(ledger);
        await repository.PublishAsync(Prompt("alpha", "a {{name}}", version: "1", stage: "prod"), null, Everything);
        await repository.PublishAsync(Prompt("alpha", "b {{name}}", version: "2", stage: "prod"), null, Everything);
        await repository.PublishAsync(Prompt("alpha", "c {{name}}", version: "3", stage: "dev"), null, Everything);
        var prodOnly = PromptVisibility.Of(Role("alpha@prod"));

        Assert.Equal("3", (await repository.FindCallableAsync("alpha", "", "", Everything))?.Version);
        Assert.Equal("2", (await repository.FindCallableAsync("alpha", "", "", prodOnly))?.Version);
        Assert.Equal("2", (await repository.FindCallableAsync("alpha", "", "prod", Everything))?.Version);
        Assert.Equal("1", (await repository.FindCallableAsync("alpha", "1", "", prodOnly))?.Version);
        Assert.Null(await repository.FindCallableAsync("alpha", "3", "", prodOnly));

        var retired = await repository.RetireAsync("alpha", "2", Everything, "key000000001");

        Assert.NotNull(Assert.Single(retired).RetiredAt);
        Assert.Equal("1", (await repository.FindCallableAsync("alpha", "", "", prodOnly))?.Version);
        Assert.Null(await repository.FindCallableAsync("alpha", "2", "", Everything));
        Assert.Equal(3, (await repository.GetAsync("alpha", Everything)).Count);
    }

    [Fact]
    public async Task Retire_OnlyWhatTheRoleSees()
    {
        await using var ledger = await LedgerHost.CreateAsync(servers.Postgres);
        var repository = Repository(ledger);
        await repository.PublishAsync(Prompt("alpha", "a {{name}}", version: "1", stage: "prod"), null, Everything);
        await repository.PublishAsync(Prompt("alpha", "b {{name}}", version: "2", stage: "dev"), null, Everything);

        var retired = await repository.RetireAsync("alpha", "", PromptVisibility.Of(Role("*@dev")), "key000000001");

        Assert.Equal(["2"], retired.Select(version => version.Definition.Version));
        Assert.Equal("1", (await repository.FindCallableAsync("alpha", "", "", Everything))?.Version);
    }

    [Fact]
    public async Task PublishChain_GathersItsVariablesFromItsSteps()
    {
        await using var ledger = await LedgerHost.CreateAsync(servers.Postgres);
        var repository = Repository(ledger);
        await repository.PublishAsync(Prompt("summarize", "Summarize {{text}} in {{sentences}}", version: "1", variables: [("text", "some text"), ("sentences", "2")]), null, Everything);
        await repository.PublishAsync(Prompt("headline", "Title for {{summary}} in {{language}}", version: "1", variables: [("summary", "x"), ("language", "English")]), null, Everything);

        var chain = await repository.PublishAsync(Chain("digest", ("summarize", "summary"), ("headline", "")), null, Everything);

        Assert.Equal([("text", "some text"), ("sentences", "2"), ("language", "English")], chain.Definition.Variables.Select(variable => (variable.Name, variable.DefaultValue)));
        Assert.Equal(["summarize", "headline"], chain.Definition.Steps.Select(step => step.PromptId));
    }

    [Fact]
    public async Task PublishChain_WithAMissingStepOrAnUnusedOutput_IsRefused()
    {
        await using var ledger = await LedgerHost.CreateAsync(servers.Postgres);
        var repository = Repository(ledger);
        await repository.PublishAsync(Prompt("summarize", "Summarize {{text}}", version: "1", variables: [("text", "t")]), null, Everything);

        var missing = await Assert.ThrowsAsync<PromptPublishException>(() => repository.PublishAsync(Chain("digest", ("summarize", "summary"), ("nowhere", "")), null, Everything));
        var unused = await Assert.ThrowsAsync<PromptPublishException>(() => repository.PublishAsync(Chain("digest", ("summarize", "nothing_takes_this"), ("summarize", "")), null, Everything));

        Assert.Equal("step 2: prompt 'nowhere' has no callable version that you may see; publish it first", missing.Problems[0]);
        Assert.Contains("step 1: its answer fills 'nothing_takes_this', which no later step's prompt has", Assert.Single(unused.Problems), StringComparison.Ordinal);
    }

    private static PromptRepository Repository(LedgerHost ledger) =>
        new(ledger.Services.GetRequiredService<IDbContextFactory<LedgerDbContext>>(), TimeProvider.System, NullLogger<PromptRepository>.Instance);

    private static Role Role(string promptPattern) => new("tester") { Prompts = new NamePatterns([promptPattern]) };

    internal static PromptDefinition Prompt(string id, string template, string version, string stage = "", string description = "", (string Name, string Default)[]? variables = null)
    {
        var definition = new PromptDefinition { Id = id, Name = $"The {id} prompt", Description = description, Template = template, Version = version, Stage = stage };
        definition.Variables.Add((variables ?? [("name", "world")]).Select(variable => new PromptVariable { Name = variable.Name, DefaultValue = variable.Default }));
        return definition;
    }

    private static PromptDefinition Chain(string id, params (string Prompt, string Output)[] steps)
    {
        var definition = new PromptDefinition { Id = id, Name = $"The {id} chain", Version = "1" };
        definition.Steps.Add(steps.Select(step => new ChainStep { PromptId = step.Prompt, OutputVariable = step.Output }));
        return definition;
    }
}
