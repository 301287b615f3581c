using Herd.Contracts.V1;
using Herd.Gateway.Adapters;
using Herd.Gateway.Nodes.Catalog;

namespace Herd.Tests.Gateway.Adapters;

public sealed class ModelOfferTests
{
    [Fact]
    public void Of_SeveralNodesOfOneModel_IsOneOffer_WithTheLongestContext_AndEveryAdapterAndExpertOnce()
    {
        var offers = ModelOffer.Of([Served("base", 512, ["b", "a"], ["x"]), Served("base", 1024, ["a", "c"], ["y", "x"]), Served("other", 0, [], [])]);

        var offer = offers["base"];
        Assert.Equal(1024, offer.ContextLength);
        Assert.Equal(["a", "b", "c"], offer.Adapters);
        Assert.Equal(["x", "y"], offer.Experts);
        Assert.Equal(1, offers["other"].ContextLength);
    }

    [Fact]
    public void Choose_AnAdapterItHas_OrAutoWithExperts_AndNothingElse()
    {
        var offer = new ModelOffer("base", 512, ["code"], ["qa"]);

        Assert.Equal(new ModelChoice("base", 512) { Adapter = "code" }, offer.Choose(Name("base:code")));
        var routed = offer.Choose(Name("base:auto"))!;
        Assert.Equal((true, null), (routed.RoutesToExperts, routed.Adapter));
        Assert.Equal(["qa"], routed.Experts);
        Assert.Null(offer.Choose(Name("base:nope")));
        Assert.Null(new ModelOffer("base", 512, ["code"], []).Choose(Name("base:auto")));
    }

    [Fact]
    public void Lacks_SaysWhatTheBaseHasInstead()
    {
        var withBoth = new ModelOffer("base", 512, ["code", "qa"], ["coding"]);
        var adaptersOnly = new ModelOffer("base", 512, ["code"], []);
        var neither = new ModelOffer("base", 512, [], []);

        Assert.Equal("Model 'base' has no adapter 'nope'. Its adapters: code, qa. 'base:auto' routes to its experts (coding).", withBoth.Lacks(Name("base:nope")));
        Assert.Equal("Model 'base' has no experts to route to, so 'base:auto' is not served; name one of its adapters (code) as 'base:<adapter>', or ask for 'base'.", adaptersOnly.Lacks(Name("base:auto")));
        Assert.Equal("Model 'base' has no adapters, so 'base:code' is not served; ask for 'base'.", neither.Lacks(Name("base:code")));
    }

    private static AdapterModelName Name(string model) => AdapterModelName.TryParse(model, out var name) ? name : throw new ArgumentException(model);

    private static ServedModel Served(string name, int contextLength, string[] adapters, string[] experts) =>
        new() { Name = name, ContextLength = contextLength, Adapters = { adapters }, Experts = { experts } };
}
