namespace Herd.Tests.Gateway.WebApp;

/// <summary>The Nodes tab against a herd of two nodes.</summary>
[Collection(WithWebAppHerd.Name)]
public sealed class NodesTabTests(WebAppHerdFixture fixture)
{
    [Theory]
    [InlineData("admin")]
    [InlineData("user")]
    public async Task ShowsEachNodeReady_WithItsModelAndGroup(string role)
    {
        var page = await fixture.NewPageAsync();
        await page.SignedInAsync(fixture, await fixture.KeyAsync(role));

        await page.GoAsync(fixture, "/app/nodes");

        foreach (var node in new[] { "node-0", "node-1" })
        {
            await page.Locator("#nodes").WaitForTextAsync(node);
        }

        var grid = await page.Locator("#nodes").InnerTextAsync();
        Assert.Contains("ready", grid, StringComparison.Ordinal);
        Assert.Contains("herd-tiny", grid, StringComparison.Ordinal);
        Assert.Contains("default", grid, StringComparison.Ordinal);
        if (role == "admin")
        {
            await page.SaveScreenshotAsync(fixture, "nodes");
        }
    }
}
