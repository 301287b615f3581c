using Herd.Gateway.Prompts.Definitions;

namespace Herd.Tests.Gateway.Prompts;

public sealed class VersionLabelsTests
{
    [Theory]
    [InlineData(null, "1")]
    [InlineData("1", "2")]
    [InlineData("1.0", "1.1")]
    [InlineData("1.9", "1.10")]
    [InlineData("v9-beta", "v10-beta")]
    [InlineData("2.3.99999999999999999999", "2.3.100000000000000000000")]
    [InlineData("draft", "draft.1")]
    public void Next_RaisesTheLastNumber(string? latest, string expected) => Assert.Equal(expected, VersionLabels.Next(latest));
}
