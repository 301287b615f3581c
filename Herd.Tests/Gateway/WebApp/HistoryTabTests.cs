using Herd.Contracts.V1;

namespace Herd.Tests.Gateway.WebApp;

/// <summary>My history: the signed-in key's own requests, their statistics and feedback, and the opt-out switch.</summary>
[Collection(WithWebAppHerd.Name)]
public sealed class HistoryTabTests(WebAppHerdFixture fixture)
{
    [Fact]
    public async Task ShowsMyRequestWithItsScore_AndMyStatistics_NotOthersRequests()
    {
        var key = await fixture.KeyAsync("user");
        var mine = await fixture.Herd.CompleteAsync("my own question", key);
        var others = await fixture.Herd.CompleteAsync("someone else's question", fixture.Herd.AdminKey!);
        await SubmitFeedbackAsync(key, mine.LedgerId, score: 4, "useful enough");
        var page = await fixture.NewPageAsync();
        await page.SignedInAsync(fixture, key);

        await page.GoAsync(fixture, "/app/history");

        var row = page.Locator($".request-{mine.LedgerId}").First;
        await row.WaitForTextAsync("my own question");
        await page.Locator("#history").WaitForTextAsync("useful enough");
        var statistics = await page.Locator("#statistics").InnerTextAsync();
        Assert.Contains("1\nrequests", statistics, StringComparison.Ordinal);
        Assert.Contains("4.0", statistics, StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator($".request-{others.LedgerId}").CountAsync());
        await page.SaveScreenshotAsync(fixture, "history");
    }

    [Fact]
    public async Task OptingOut_TheNextRequestKeepsNoText()
    {
        var key = await fixture.KeyAsync("user");
        var before = await fixture.Herd.CompleteAsync("kept before opting out", key);
        var page = await fixture.NewPageAsync();
        await page.SignedInAsync(fixture, key);
        await page.GoAsync(fixture, "/app/history");
        await page.Locator($".request-{before.LedgerId}").First.WaitForTextAsync("kept before opting out");

        await page.Locator("#opt-out").ClickAsync();
        await OptedOutAsync(key);
        var after = await fixture.Herd.CompleteAsync("never to be kept", key);

        await page.Locator($".request-{after.LedgerId}").First.WaitForTextAsync("(not kept)");
        Assert.DoesNotContain("never to be kept", await page.Locator("#history").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("kept before opting out", await page.Locator("#history").InnerTextAsync(), StringComparison.Ordinal);
    }

    /// <summary>Waits until the ledger holds the switch's change, which the page makes on its own time.</summary>
    private async Task OptedOutAsync(string key)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await fixture.Keys.FindAsync(WebAppPages.KeyId(key)))?.HistoryOptOut != true)
        {
            Assert.True(DateTime.UtcNow < deadline, "The opt-out switch did not reach the ledger in time.");
            await Task.Delay(100);
        }
    }

    private async Task SubmitFeedbackAsync(string key, string requestId, int score, string comment)
    {
        var history = new Contracts.V1.History.HistoryClient(fixture.Herd.Gateways[0].Channel);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                await history.SubmitFeedbackAsync(new SubmitFeedbackRequest { RequestId = requestId, Score = score, Comment = comment }, fixture.Herd.KeyHeaders(key));
                return;
            }
            catch (Grpc.Core.RpcException exception) when (exception.StatusCode == Grpc.Core.StatusCode.NotFound && DateTime.UtcNow < deadline)
            {
                // The ledger records a request just after it ends.
                await Task.Delay(100);
            }
        }
    }
}
