using Herd.Contracts.V1;
using Herd.Gateway.Access.Roles;
using Herd.Gateway.Adapters;
using Herd.Gateway.Failures;

namespace Herd.Tests.Gateway.Adapters;

public sealed class AdapterChoicesTests
{
    private static readonly ModelChoice Alone = new("base", 512);
    private static readonly ModelChoice Named = Alone with { Adapter = "code" };
    private static readonly ModelChoice Routed = Alone with { RoutesToExperts = true, Experts = ["code", "qa", "reasoning"] };

    [Fact]
    public void For_TheBaseAlone_IsNoChoice()
    {
        Assert.Null(AdapterChoices.For(Alone, Request("base"), Role()));
    }

    [Fact]
    public void For_ANamedAdapter_NamesItWithWeightOne()
    {
        var choice = AdapterChoices.For(Named, Request("base:code"), Role())!;

        var adapter = Assert.Single(choice.Named.Adapters);
        Assert.Equal(("code", 1.0), (adapter.Name, adapter.Weight));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(3, 3)]
    public void For_Auto_RoutesToTheTopExperts_UnrestrictedWhenTheRoleAllowsEveryExpert(int topExperts, int routed)
    {
        var choice = AdapterChoices.For(Routed, Request("base:auto", topExperts), Role())!;

        Assert.Equal((routed, false), (choice.Route.TopExperts, choice.Route.Restricted));
        Assert.Empty(choice.Route.AllowedExperts);
    }

    [Fact]
    public void For_Auto_WithARoleThatAllowsSomeExperts_RestrictsTheNodeToThem()
    {
        var choice = AdapterChoices.For(Routed, Request("base:auto"), Role("qa", "reason*"))!;

        Assert.True(choice.Route.Restricted);
        Assert.Equal(["qa", "reasoning"], choice.Route.AllowedExperts);
    }

    [Fact]
    public void For_OutsideTheRolesAllowExperts_IsForbidden_NamingTheRoleAndItsPatterns()
    {
        var named = Assert.Throws<RequestFailedException>(() => AdapterChoices.For(Named, Request("base:code"), Role("qa")));
        var routed = Assert.Throws<RequestFailedException>(() => AdapterChoices.For(Routed, Request("base:auto"), Role("math")));

        Assert.Equal((FailureKind.Forbidden, FailureKind.Forbidden), (named.Kind, routed.Kind));
        Assert.Equal("The role 'tester' may not use adapter 'code' of model 'base' (its allow_experts is qa).", named.Message);
        Assert.Equal("The role 'tester' may use none of model 'base''s experts (code, qa, reasoning); its allow_experts is math.", routed.Message);
    }

    [Fact]
    public void For_ARoleThatMayNotUseTheBase_LeavesTheRefusalToTheAdmission()
    {
        var role = new Role("tester") { Models = new NamePatterns(["other"]), Experts = NamePatterns.None };

        Assert.NotNull(AdapterChoices.For(Named, Request("base:code"), role));
    }

    [Fact]
    public void For_TopExpertsOnAModelThatDoesNotRoute_OrAdaptersOnEmbeddings_IsInvalid()
    {
        var topExperts = Assert.Throws<RequestFailedException>(() => AdapterChoices.For(Named, Request("base:code", topExperts: 2), Role()));
        var embeddings = Assert.Throws<RequestFailedException>(() => AdapterChoices.For(Named, new CompletionRequest { Model = "base:code", Embed = new EmbedInput { Texts = { "x" } } }, Role()));

        Assert.Equal((FailureKind.InvalidRequest, FailureKind.InvalidRequest), (topExperts.Kind, embeddings.Kind));
        Assert.Contains("ask for 'base:auto'", topExperts.Message, StringComparison.Ordinal);
        Assert.Contains("ask for model 'base'", embeddings.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_ExpertsByTheirNames_AdaptersByTheirOwn_WithFourPlaces()
    {
        AdapterUsed[] routed = [new() { Adapter = "adapter-code", Expert = "code", Weight = 0.731249, Distance = 0.2 }, new() { Adapter = "adapter-qa", Expert = "qa", Weight = 0.268751 }];

        Assert.Equal("code@0.7312,qa@0.2688", UsedAdapters.Describe(routed));
        Assert.Equal("style@1", UsedAdapters.Describe([new AdapterUsed { Adapter = "style", Weight = 1 }]));
        Assert.Null(UsedAdapters.Describe([]));
    }

    private static CompletionRequest Request(string model, int topExperts = 0) => new() { Model = model, Prompt = "x", TopExperts = topExperts };

    private static Role Role(params string[] experts) => new("tester") { Experts = experts.Length == 0 ? NamePatterns.All : new NamePatterns(experts) };
}
