using Microsoft.Playwright;

namespace Herd.Tests.Gateway.WebApp;

/// <summary>Signing in to the web app with an API key, in a real browser against a real herd.</summary>
[Collection(WithWebAppHerd.Name)]
public sealed class SignInTests(WebAppHerdFixture fixture)
{
    [Fact]
    public async Task GoodKey_ShowsTheKeyAndTheRoleTabs_AndStaysSignedInOnReload()
    {
        var key = await fixture.KeyAsync("user");
        var page = await fixture.NewPageAsync();

        await page.SignedInAsync(fixture, key);
        await page.Locator("#viewer").WaitForTextAsync(WebAppPages.KeyId(key));
        await page.ReloadAsync();

        await page.Locator("#viewer").WaitForTextAsync("role user");
        Assert.Equal(["prompts", "prompt-details", "prompt-lab", "history", "nodes"], await page.RailTabsAsync());
        // The key lives in the tab's session storage only, never in the address.
        Assert.DoesNotContain(key, page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownKey_SaysTheKeyIsNotKnown()
    {
        var page = await fixture.NewPageAsync();

        await page.SignInAsync(fixture, "herd_aaaaaaaaaaaa_" + new string('A', 43));

        await page.Locator("#sign-in-error").WaitForTextAsync("not known");
        Assert.Equal(0, await page.Locator("#viewer").CountAsync());
    }

    [Fact]
    public async Task RevokedKey_SaysItWasRevoked()
    {
        var key = await fixture.KeyAsync("user");
        await fixture.Keys.RevokeAsync(WebAppPages.KeyId(key));
        var page = await fixture.NewPageAsync();

        await page.SignInAsync(fixture, key);

        await page.Locator("#sign-in-error").WaitForTextAsync("was revoked");
    }

    [Fact]
    public async Task SignOut_LeadsToSignIn_AndAReloadStaysSignedOut()
    {
        var page = await fixture.NewPageAsync();
        await page.SignedInAsync(fixture, fixture.Herd.AdminKey!);

        await page.UntilShownAsync(() => page.Locator("#sign-out").ClickAsync(), page.Locator("#sign-in-button"));
        await page.WaitForURLAsync("**/app/sign-in", new PageWaitForURLOptions { Timeout = WebAppPages.TimeoutMs });
        await page.GoAsync(fixture, "/app/nodes");

        await page.WaitForURLAsync("**/app/sign-in", new PageWaitForURLOptions { Timeout = WebAppPages.TimeoutMs });
        Assert.Equal(0, await page.Locator("#viewer").CountAsync());
    }

    [Fact]
    public async Task OldDashboardAddress_LeadsToTheApp()
    {
        var page = await fixture.NewPageAsync();

        await page.GoAsync(fixture, "/dashboard");

        await page.WaitForURLAsync("**/app/sign-in", new PageWaitForURLOptions { Timeout = WebAppPages.TimeoutMs });
    }
}
