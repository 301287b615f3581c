using Microsoft.Playwright;

namespace Herd.Tests.Gateway.WebApp;

/// <summary>The Nodes tab against a herd of two nodes whose catalogs hold a second model.</summary>
[Collection(WithWebAppHerd.Name)]
public sealed class NodesTabTests(WebAppHerdFixture fixture)
{
    [Theory]
    [InlineData("admin")]
    [InlineData("user")]
    public async Task ShowsEachNodeReady_WithItsModelAndGroup_AndTheDemandPolicysState(string role)
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
        await page.Locator("#demand-state").WaitForTextAsync("Off: nodes change models only on command");
        // Only a role allowed herd.v1.NodeAdmin may change what nodes serve.
        Assert.Equal(role == "admin" ? 2 : 0, await page.Locator("#nodes .change-models").CountAsync());
        if (role == "admin")
        {
            await page.SaveScreenshotAsync(fixture, "nodes");
        }
    }

    [Fact]
    public async Task AnAdmin_LoadsAModelOfANodesCatalog_AndUnloadsItAfterConfirming()
    {
        var page = await fixture.NewPageAsync();
        await page.SignedInAsync(fixture, fixture.Herd.AdminKey!);
        await page.GoAsync(fixture, "/app/nodes");
        await page.Locator("#nodes").WaitForTextAsync("node-1");
        var spare = page.Locator("#change-models tr.catalog-model", new PageLocatorOptions { HasText = fixture.SpareModel });

        await page.UntilShownAsync(() => page.Locator(".node-row-node-1 .change-models").ClickAsync(), spare);
        await spare.WaitForTextAsync("not loaded");
        await page.UntilShownAsync(() => spare.Locator(".load-model").ClickAsync(), page.Locator("#change-done"));
        await page.Locator("#change-done").WaitForTextAsync($"node-1 now serves herd-tiny, {fixture.SpareModel}.");
        await spare.WaitForTextAsync("served");
        await page.SaveScreenshotAsync(fixture, "nodes-models");

        await page.UntilShownAsync(() => spare.Locator(".unload-model").ClickAsync(), page.Locator("#confirm-change"));
        await page.Locator("#confirm-change").WaitForTextAsync($"Unload {fixture.SpareModel} from node-1?");
        await page.Locator("#confirm-change-yes").ClickAsync();
        await page.Locator("#change-done").WaitForTextAsync("node-1 now serves herd-tiny.");
        await spare.WaitForTextAsync("not loaded");
    }
}
