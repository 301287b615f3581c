namespace Herd.Tests.Gateway.WebApp;

/// <summary>allow_tabs: a tab a role lacks is absent from the rail, and its address says why instead of showing it.</summary>
[Collection(WithWebAppHerd.Name)]
public sealed class TabAccessTests(WebAppHerdFixture fixture)
{
    [Fact]
    public async Task Admin_SeesEveryTab()
    {
        var page = await fixture.NewPageAsync();
        await page.SignedInAsync(fixture, fixture.Herd.AdminKey!);

        Assert.Equal(["prompts", "prompt-details", "prompt-lab", "history", "nodes", "queue", "keys"], await page.RailTabsAsync());
    }

    [Theory]
    [InlineData("/app/queue", "Queue and usage", "queue")]
    [InlineData("/app/keys", "Keys", "keys")]
    [InlineData("/app/prompt-lab", "Prompt lab", "prompt-lab", "watcher")]
    public async Task User_TabItLacks_IsAbsentFromTheRail_AndItsAddressIsRefused(string path, string title, string tab, string role = "user")
    {
        var page = await fixture.NewPageAsync();
        await page.SignedInAsync(fixture, await fixture.KeyAsync(role));

        Assert.DoesNotContain(tab, await page.RailTabsAsync());
        await page.GoAsync(fixture, path);

        var refusal = page.Locator("#tab-refused");
        await refusal.WaitForTextAsync($"Your role '{role}' may not open this tab");
        var message = await refusal.InnerTextAsync();
        Assert.Contains(title, message, StringComparison.Ordinal);
        Assert.Contains($"'{tab}'", message, StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#keys, #requests, #lab-prompt").CountAsync());
    }
}
