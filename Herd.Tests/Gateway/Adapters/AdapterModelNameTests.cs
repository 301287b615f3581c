using Herd.Gateway.Adapters;

namespace Herd.Tests.Gateway.Adapters;

public sealed class AdapterModelNameTests
{
    [Theory]
    [InlineData("herd-tiny:code", "herd-tiny", "code", false)]
    [InlineData("herd-tiny:auto", "herd-tiny", "auto", true)]
    [InlineData("org:model:qa", "org:model", "qa", false)]
    public void TryParse_SplitsAtTheLastColon(string model, string baseModel, string adapter, bool auto)
    {
        Assert.True(AdapterModelName.TryParse(model, out var name));
        Assert.Equal((baseModel, adapter, auto, model), (name.Base, name.Adapter, name.IsAuto, name.ToString()));
    }

    [Theory]
    [InlineData("herd-tiny")]
    [InlineData(":code")]
    [InlineData("herd-tiny:")]
    [InlineData("")]
    public void TryParse_WithoutBothSidesOfAColon_IsNoAdapterName(string model)
    {
        Assert.False(AdapterModelName.TryParse(model, out var name));
        Assert.Null(name);
    }
}
