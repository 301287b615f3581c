using Herd.Contracts.V1;
using Herd.Gateway.Ledger;
using Herd.Gateway.Ledger.Queries;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Herd.Tests.Gateway.WebApp;

/// <summary>Account/SetHistoryOptOut over gRPC: the serving gateway honours it from the key's next request on.</summary>
[Collection(WithWebAppHerd.Name)]
public sealed class SetHistoryOptOutTests(WebAppHerdFixture fixture)
{
    [Fact]
    public async Task OptOut_TheNextRequestKeepsNoText_AndOptingInAgainKeepsItOnceMore()
    {
        var key = await fixture.KeyAsync("user");
        var account = new Account.AccountClient(fixture.Herd.Gateways[0].Channel);
        // The first request caches the key's verdict, which the opt-out must drop.
        var before = await fixture.Herd.CompleteAsync("kept: before the opt-out", key);
        // The ledger keeps no text of an opted-out key's records, whenever they were made: let the
        // first one land before opting out.
        await HistoryOfAsync(WebAppPages.KeyId(key), expected: 1);

        var optedOut = await account.SetHistoryOptOutAsync(new SetHistoryOptOutRequest { HistoryOptOut = true }, fixture.Herd.KeyHeaders(key));
        var during = await fixture.Herd.CompleteAsync("not kept: during the opt-out", key);
        var optedIn = await account.SetHistoryOptOutAsync(new SetHistoryOptOutRequest { HistoryOptOut = false }, fixture.Herd.KeyHeaders(key));
        var after = await fixture.Herd.CompleteAsync("kept: after opting in again", key);

        Assert.True(optedOut.HistoryOptOut);
        Assert.Equal(WebAppPages.KeyId(key), optedOut.KeyId);
        Assert.False(optedIn.HistoryOptOut);
        Assert.False((await account.GetAccountAsync(new GetAccountRequest(), fixture.Herd.KeyHeaders(key))).HistoryOptOut);
        var rows = await HistoryOfAsync(WebAppPages.KeyId(key), expected: 3);
        Assert.Equal("kept: before the opt-out", rows[before.LedgerId].Prompt);
        Assert.Null(rows[during.LedgerId].Prompt);
        Assert.Equal("kept: after opting in again", rows[after.LedgerId].Prompt);
    }

    [Fact]
    public async Task RoleWithoutTheMethod_IsRefused()
    {
        var key = await fixture.KeyAsync("watcher");
        var account = new Account.AccountClient(fixture.Herd.Gateways[0].Channel);

        var refused = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () =>
            await account.SetHistoryOptOutAsync(new SetHistoryOptOutRequest { HistoryOptOut = true }, fixture.Herd.KeyHeaders(key)));

        Assert.Equal(Grpc.Core.StatusCode.PermissionDenied, refused.StatusCode);
        Assert.False((await fixture.Keys.FindAsync(WebAppPages.KeyId(key)))!.HistoryOptOut);
    }

    /// <summary>The key's requests as the ledger holds them, read again until all are there (each is written just after it ends).</summary>
    private async Task<Dictionary<string, HistoryRow>> HistoryOfAsync(string keyId, int expected)
    {
        var ledgers = fixture.Ledger.Services.GetRequiredService<IDbContextFactory<LedgerDbContext>>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            await using var ledger = await ledgers.CreateDbContextAsync();
            var now = DateTimeOffset.UtcNow;
            var page = await ledger.HistoryPageAsync(keyId, new TimeRange(now.AddHours(-1), now.AddHours(1)), 10, after: null);
            if (page.Rows.Count >= expected)
            {
                return page.Rows.ToDictionary(row => row.RequestId);
            }

            Assert.True(DateTime.UtcNow < deadline, $"The ledger did not record {expected} requests of key {keyId} in time.");
            await Task.Delay(100);
        }
    }
}
