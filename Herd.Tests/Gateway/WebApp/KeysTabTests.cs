using Grpc.Core;
using Herd.Contracts.V1;
using Microsoft.Playwright;

namespace Herd.Tests.Gateway.WebApp;

/// <summary>The Keys tab: a key created there works at once, and a key revoked there is refused at once.</summary>
[Collection(WithWebAppHerd.Name)]
public sealed class KeysTabTests(WebAppHerdFixture fixture)
{
    [Fact]
    public async Task CreatedKey_Works_UntilRevokedThere()
    {
        var page = await fixture.NewPageAsync();
        await page.SignedInAsync(fixture, fixture.Herd.AdminKey!);
        await page.GoAsync(fixture, "/app/keys");

        await page.Locator("#keys").WaitForAsync(new LocatorWaitForOptions { Timeout = WebAppPages.TimeoutMs });
        await page.UntilShownAsync(
            async () =>
            {
                await page.Locator("#new-key-name input").FillAsync("made in the keys tab", new LocatorFillOptions { Timeout = WebAppPages.TimeoutMs });
                await page.Locator("#new-key-role input").FillAsync("user");
                await page.Locator("#create-key").ClickAsync();
            },
            page.Locator("#new-secret"));
        await page.Locator("#new-secret").WaitForTextAsync("shown only this once");
        var secret = (await page.Locator("#new-secret-text").InnerTextAsync()).Trim();
        var keyId = WebAppPages.KeyId(secret);
        await page.Locator($".key-{keyId}").First.WaitForTextAsync("made in the keys tab");
        await page.SaveScreenshotAsync(fixture, "keys");

        var catalog = new Contracts.V1.Catalog.CatalogClient(fixture.Herd.Gateways[0].Channel);
        var models = await catalog.ListModelsAsync(new ListModelsRequest(), fixture.Herd.KeyHeaders(secret));
        Assert.Contains(models.Models, model => model.Name == "herd-tiny");

        await page.Locator($".key-{keyId} .revoke").ClickAsync();
        await page.Locator("#confirm-revoke").WaitForTextAsync(keyId);
        await page.Locator("#confirm-revoke-yes").ClickAsync();
        await page.Locator($".key-{keyId}").First.WaitForTextAsync("revoked");

        var refused = await Assert.ThrowsAsync<RpcException>(async () => await catalog.ListModelsAsync(new ListModelsRequest(), fixture.Herd.KeyHeaders(secret)));
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Contains("revoked", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyNameWithMarkup_ShowsAsText()
    {
        const string Name = "<script>alert(1)</script>";
        var key = await fixture.KeyAsync("user", Name);
        var page = await fixture.NewPageAsync();
        var dialogs = 0;
        page.Dialog += (_, dialog) =>
        {
            dialogs++;
            _ = dialog.DismissAsync();
        };
        await page.SignedInAsync(fixture, fixture.Herd.AdminKey!);

        await page.GoAsync(fixture, "/app/keys");

        await page.Locator($".key-{WebAppPages.KeyId(key)}").First.WaitForTextAsync(Name);
        Assert.Equal(0, dialogs);
        Assert.Equal(0, await page.Locator("#keys script").CountAsync());
    }
}
