namespace Herd.Tests.Gateway.WebApp;

/// <summary>allow_tabs: a tab a role lacks is absent from the rail, and its address says why instead of showing it.</summary>
[Collection(WithWebAppHerd.Name)]
public sealed class TabAccessTests(WebAppHerdFixture fixture)
{
    [Fact]
    public async Task Admin_SeesEveryBuiltTab()
    {
        var page = await fixture.NewPageAsync();
        await page.SignedInAsync(fixture, fixture.Herd.AdminKey!);

        Assert.Equal(["history", "nodes", "queue", "keys"], await page.RailTabsAsync());
    }

    [Theory]
    [InlineData("/app/queue", "Queue and usage", "queue")]
    [InlineData("/app/keys", "Keys", "keys")]
    public async Task User_TabItLacks_IsAbsentFromTheRail_AndItsAddressIsRefused(string path, string title, string tab)
    {
        var page = await fixture.NewPageAsync();
        await page.SignedInAsync(fixture, await fixture.KeyAsync("user"));

        Assert.DoesNotContain(tab, await page.RailTabsAsync());
        await page.GoAsync(fixture, path);

        var refusal = page.Locator("#tab-refused");
        await refusal.WaitForTextAsync("Your role 'user' may not open this tab");
        var message = await refusal.InnerTextAsync();
        Assert.Contains(title, message, StringComparison.Ordinal);
        Assert.Contains($"'{tab}'", message, StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#keys, #requests").CountAsync());
    }
}
