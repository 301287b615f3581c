using Herd.Contracts.V1;
using Microsoft.Playwright;

namespace Herd.Tests.Gateway.WebApp;

/// <summary>The prompt tabs: the list and its search, a prompt's details and example calls, and the lab (run, stream, score, publish).</summary>
[Collection(WithWebAppHerd.Name)]
public sealed class PromptTabsTests(WebAppHerdFixture fixture)
{
    [Fact]
    public async Task Prompts_ListsWhatTheRoleMayCall_AndSearches()
    {
        var page = await fixture.NewPageAsync();
        await page.SignedInAsync(fixture, await fixture.KeyAsync("user"));

        await page.GoAsync(fixture, "/app/prompts");

        var grid = page.Locator("#prompts");
        await grid.WaitForTextAsync("entity_recognition");
        foreach (var id in new[] { "summarize", "headline", "summary_headline" })
        {
            await page.Locator($".prompt-{id}").First.WaitForTextAsync(id);
        }

        await page.SaveScreenshotAsync(fixture, "prompts");
        await page.Locator("#prompt-search input").FillAsync("headline");
        await Assertions.Expect(page.Locator(".prompt-entity_recognition")).ToHaveCountAsync(0, new LocatorAssertionsToHaveCountOptions { Timeout = WebAppPages.TimeoutMs });
        await page.Locator(".prompt-headline").First.WaitForTextAsync("Headline");
    }

    [Fact]
    public async Task PromptDetails_ShowsTemplateVariablesVersionsAndCallsToCopy()
    {
        var page = await fixture.NewPageAsync();
        await page.SignedInAsync(fixture, await fixture.KeyAsync("user"));

        await page.GoAsync(fixture, "/app/prompt-details?id=summarize");

        await page.Locator("#prompt-template").WaitForTextAsync("Summarize the text below in {{sentences}} sentences.");
        await page.Locator("#prompt-variables").WaitForTextAsync("sentences");
        await page.Locator("#prompt-versions").WaitForTextAsync("1.0");
        var curl = await page.Locator(".example-curl").InnerTextAsync();
        var python = await page.Locator(".example-python").InnerTextAsync();
        var grpcurl = await page.Locator(".example-grpcurl").InnerTextAsync();
        Assert.Contains("\"prompt_id\": \"summarize\"", curl, StringComparison.Ordinal);
        Assert.Contains($"{fixture.HttpAddress.GetLeftPart(UriPartial.Authority)}/v1/completions", curl, StringComparison.Ordinal);
        Assert.Contains("extra_body=", python, StringComparison.Ordinal);
        Assert.Contains("herd.v1.Completions/Complete", grpcurl, StringComparison.Ordinal);
        Assert.Contains("\"prompt_call\"", grpcurl, StringComparison.Ordinal);
        await page.SaveScreenshotAsync(fixture, "prompt-details");
    }

    [Fact]
    public async Task Lab_RunsAPromptStreaming_AndItsScoreIsInMyHistory()
    {
        var page = await fixture.NewPageAsync();
        var dialogs = 0;
        page.Dialog += (_, dialog) =>
        {
            dialogs++;
            _ = dialog.DismissAsync();
        };
        await page.SignedInAsync(fixture, await fixture.KeyAsync("user"));
        await page.GoAsync(fixture, "/app/prompt-lab?id=summarize");

        const string Hostile = "<script>alert('lab')</script><img src=x onerror=alert(2)>";
        await page.Locator("#lab-preview").WaitForTextAsync("Summary:");
        await page.UntilTextAsync(() => page.Locator("#var-text textarea").FillAsync(Hostile), page.Locator("#lab-preview"), "Text: " + Hostile);
        await page.UntilTextAsync(() => page.Locator("#lab-run").ClickAsync(), page.Locator("#lab-timings"), "first token");
        Assert.NotEmpty((await page.Locator("#lab-output").InnerTextAsync()).Trim());
        Assert.StartsWith("node-", await page.Locator("#lab-node").InnerTextAsync(), StringComparison.Ordinal);
        await page.SaveScreenshotAsync(fixture, "prompt-lab");
        await page.UntilTextAsync(
            async () =>
            {
                await page.Locator("#score-4").ClickAsync();
                await page.Locator("#lab-comment textarea").FillAsync("clear enough");
                await page.Locator("#lab-send-feedback").ClickAsync();
            },
            page.Locator("#lab-feedback-saved"),
            "your score is in My history");

        await page.GoAsync(fixture, "/app/history");
        await page.Locator("#history").WaitForTextAsync("clear enough");
        Assert.Contains("4.0", await page.Locator("#statistics").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains(Hostile, await page.Locator("#history").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, dialogs);
        Assert.Equal(0, await page.Locator("#history img").CountAsync());
    }

    [Fact]
    public async Task Lab_SavesTheEditedTemplateAsANewVersion()
    {
        var page = await fixture.NewPageAsync();
        await page.SignedInAsync(fixture, fixture.Herd.AdminKey!);
        await page.GoAsync(fixture, "/app/prompt-lab?id=headline");
        await page.Locator("#lab-preview").WaitForTextAsync("Summary: A gateway streams tokens");

        await page.UntilTextAsync(() => page.Locator("#var-summary textarea").FillAsync("Nodes stream tokens."), page.Locator("#lab-preview"), "Summary: Nodes stream tokens.");
        await page.Locator("#lab-template textarea").FillAsync("Title for: {{summary}}");
        await page.Locator("#lab-new-stage input").FillAsync("dev");
        await page.UntilTextAsync(() => page.Locator("#lab-publish").ClickAsync(), page.Locator("#lab-published"), "Published version");
        await page.Locator("#lab-published").WaitForTextAsync("Published version 1.1");
        var prompts = new Contracts.V1.Prompts.PromptsClient(fixture.Herd.Gateways[0].Channel);
        var versions = await prompts.GetPromptAsync(new GetPromptRequest { Id = "headline" }, fixture.Herd.KeyHeaders());
        var published = versions.Versions[0].Definition;
        Assert.Equal(("1.1", "dev", "Title for: {{summary}}"), (published.Version, published.Stage, published.Template));
        Assert.Equal("Nodes stream tokens.", Assert.Single(published.Variables).DefaultValue);
        Assert.Equal(WebAppPages.KeyId(fixture.Herd.AdminKey!), versions.Versions[0].PublishedBy);
    }
}
