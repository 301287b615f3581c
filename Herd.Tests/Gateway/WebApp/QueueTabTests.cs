namespace Herd.Tests.Gateway.WebApp;

/// <summary>The Queue and usage tab: what the gateway's dashboard showed, with every key's prompts only for roles allowed UsageReports/ListHistory.</summary>
[Collection(WithWebAppHerd.Name)]
public sealed class QueueTabTests(WebAppHerdFixture fixture)
{
    [Fact]
    public async Task AsAdmin_ShowsTheRequestWithItsPrompt_AndTheUsageOfItsKey()
    {
        var key = await fixture.KeyAsync("admin");
        var done = await fixture.Herd.CompleteAsync("What does the queue tab show?", key);
        var page = await fixture.NewPageAsync();
        await page.SignedInAsync(fixture, fixture.Herd.AdminKey!);

        await page.GoAsync(fixture, "/app/queue");

        var request = page.Locator($".request-{done.LedgerId}").First;
        await request.WaitForTextAsync("What does the queue tab show?");
        var shown = await page.Locator("#requests").InnerTextAsync();
        Assert.Contains(done.NodeId, shown, StringComparison.Ordinal);
        Assert.Contains("OK", shown, StringComparison.Ordinal);
        await page.Locator("#usage-by-key").WaitForTextAsync(WebAppPages.KeyId(key));
        await page.Locator("#usage-by-model").WaitForTextAsync("herd-tiny");
        Assert.True(await page.Locator("#queue").IsVisibleAsync());
        await page.SaveScreenshotAsync(fixture, "queue");
    }

    [Fact]
    public async Task AsWatcher_ShowsTheRequestWithoutItsPrompt()
    {
        var done = await fixture.Herd.CompleteAsync("a prompt only admins may read", fixture.Herd.AdminKey!);
        var page = await fixture.NewPageAsync();
        await page.SignedInAsync(fixture, await fixture.KeyAsync("watcher"));

        await page.GoAsync(fixture, "/app/queue");

        await page.Locator($".request-{done.LedgerId}").First.WaitForTextAsync(done.NodeId);
        Assert.DoesNotContain("a prompt only admins may read", await page.Locator("#requests").InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RoleWithTheTabButNotTheMethods_IsToldWhatItMayNotCall()
    {
        var page = await fixture.NewPageAsync();
        await page.SignedInAsync(fixture, await fixture.KeyAsync("blind"));

        await page.GoAsync(fixture, "/app/queue");

        await page.Locator(".herd-refusal").First.WaitForTextAsync("may not call herd.v1.Catalog/ListModels");
        await page.Locator(".herd-refusal").Nth(1).WaitForTextAsync("may not call herd.v1.UsageReports/GetTotals");
        Assert.Equal(0, await page.Locator("#requests").CountAsync());
    }
}
