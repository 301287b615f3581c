using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Access.Roles;
using Herd.Gateway.Admission.Limits;
using Herd.Tests.Fixtures;
using Herd.Tests.Mesh;

namespace Herd.Tests.Access;

/// <summary>Keys and roles on the request path of real gateway processes, each rule on its own.</summary>
public sealed class AccessTests(AccessHerdFixture fixture) : IClassFixture<AccessHerdFixture>
{
    private TestHerd Herd => fixture.Herd;

    private Completions.CompletionsClient Client(int gateway = 0) => Herd.Gateways[gateway].Completions;

    [Fact]
    public async Task Call_WithoutAKey_IsUnauthenticated_SayingHowToSendOne()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Complete(headers: []));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Contains("authorization: Bearer <key>", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a key")]
    [InlineData("herd_' OR 1=1 --_x")]
    [InlineData("herd_abcdefghijkl_0000000000000000000000000000000000000000000")]
    public async Task Call_WithAKeyThatIsNotOne_IsUnauthenticated(string presented)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Complete(headers: AccessHerdFixture.Bearer(presented)));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task Key_Works_ThenIsRefusedOnEveryGateway_OnceRevoked()
    {
        var key = await fixture.KeyAsync("user");
        var served = await Complete(headers: AccessHerdFixture.Bearer(key));
        Assert.Equal(FinishReason.Length, served.Done.FinishReason);

        Assert.True(await fixture.Keys.RevokeAsync(KeyId(key)));

        foreach (var gateway in new[] { 0, 1 })
        {
            var error = await EventuallyRefusedAsync(() => Complete(gateway, headers: AccessHerdFixture.Bearer(key)));
            Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
            Assert.Contains("revoked", error.Status.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Key_IsRefused_OnceItExpires()
    {
        var key = await fixture.KeyAsync("user", DateTimeOffset.UtcNow.AddSeconds(2));

        var error = await EventuallyRefusedAsync(() => Complete(headers: AccessHerdFixture.Bearer(key)));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Contains("expired", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Role_WithoutTheMethod_IsDenied_NamingRoleAndMethod()
    {
        var key = await fixture.KeyAsync("reader");
        var models = await new Catalog.CatalogClient(Herd.Gateways[0].Channel).ListModelsAsync(new ListModelsRequest(), AccessHerdFixture.Bearer(key));
        Assert.Contains(models.Models, model => model.Name == TestHerd.Model);

        var error = await Assert.ThrowsAsync<RpcException>(() => Complete(headers: AccessHerdFixture.Bearer(key)));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("'reader'", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("herd.v1.Completions/Complete", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Role_WithoutTheModel_IsDenied_NamingIt()
    {
        var key = await fixture.KeyAsync("llama-only");

        var error = await Assert.ThrowsAsync<RpcException>(() => Complete(headers: AccessHerdFixture.Bearer(key)));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains($"model '{TestHerd.Model}'", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Priority_AboveTheRolesCeiling_IsDenied_AndAtItIsServed()
    {
        var key = await fixture.KeyAsync("user");

        var error = await Assert.ThrowsAsync<RpcException>(() => Complete(priority: 11, headers: AccessHerdFixture.Bearer(key)));
        var atCeiling = await Complete(priority: 10, headers: AccessHerdFixture.Bearer(key));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("above 10", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(FinishReason.Length, atCeiling.Done.FinishReason);
    }

    [Fact]
    public async Task Role_LimitedToANodeGroup_IsServedOnlyByItsNodes_FromEitherGateway()
    {
        var key = await fixture.KeyAsync("team");

        var runs = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Complete(i % 2, headers: AccessHerdFixture.Bearer(key))));

        // node-1 is the only node of group team-a.
        Assert.All(runs, run => Assert.Equal("node-1", run.Done.NodeId));
    }

    [Fact]
    public async Task Role_WhoseNodeGroupsHaveNoNode_WaitsOutTheQueue_AndIsNotServedByOthers()
    {
        var key = await fixture.KeyAsync("nowhere");

        var error = await Assert.ThrowsAsync<RpcException>(() => Complete(headers: AccessHerdFixture.Bearer(key)));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Theory]
    [InlineData("hourly", 3, "3 requests per 1h")]
    [InlineData("daily", 2, "2 requests per 1d")]
    public async Task Limits_HoldAcrossBothGateways_AndTheNextRequestIsRefused_NamingTheRuleAndItsReset(string role, int allowed, string rule)
    {
        var key = await fixture.KeyAsync(role);
        for (var i = 0; i < allowed; i++)
        {
            await Complete(i % 2, headers: AccessHerdFixture.Bearer(key));
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => Complete(allowed % 2, headers: AccessHerdFixture.Bearer(key)));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains(rule, error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("resets at", error.Status.Detail, StringComparison.Ordinal);
        Assert.True(long.Parse(error.Trailers.GetValue("retry-after-ms")!, System.Globalization.CultureInfo.InvariantCulture) > 0);
    }

    [Fact]
    public async Task Limit_AdmitsAgain_WhenItsWindowResets()
    {
        var key = await fixture.KeyAsync("brief");
        RpcException? refused = null;
        for (var i = 0; i < 5 && refused is null; i++)
        {
            refused = await RefusalOf(() => Complete(i % 2, maxTokens: 1, headers: AccessHerdFixture.Bearer(key)));
        }

        Assert.Equal(StatusCode.ResourceExhausted, refused?.StatusCode);
        var admittedAgain = await Eventually(async () => await RefusalOf(() => Complete(maxTokens: 1, headers: AccessHerdFixture.Bearer(key))) is null);
        Assert.True(admittedAgain);
    }

    [Fact]
    public async Task TokenLimit_CountsTheTokensServed_NotThoseReserved()
    {
        var key = await fixture.KeyAsync("metered");

        var first = await Complete(maxTokens: 5, headers: AccessHerdFixture.Bearer(key));
        var second = await Complete(1, maxTokens: 3, headers: AccessHerdFixture.Bearer(key));

        await using var redis = await Herd.Redis.ConnectAsync();
        var limiter = new UsageLimiter(redis, "herd:");
        var served = first.Done.Usage.PromptTokens + first.Done.Usage.CompletionTokens + second.Done.Usage.PromptTokens + second.Done.Usage.CompletionTokens;
        // Tokens are settled just after the answer, off the call's path.
        var used = await EventuallyAsync(
            async () => (await limiter.StatusAsync(KeyId(key), [new LimitRule(LimitKind.Tokens, 100000, TimeSpan.FromHours(1))])).Single().Used,
            value => value == served);
        Assert.Equal(served, used);
        Assert.Equal(8, first.Done.Usage.CompletionTokens + second.Done.Usage.CompletionTokens);
    }

    [Fact]
    public async Task Account_ShowsLimitsRatesAndBudget_AsRequestsSpendThem_AndTheBudgetRefusesWhenSpent()
    {
        var key = await fixture.KeyAsync("budgeted");
        var headers = AccessHerdFixture.Bearer(key);
        var fresh = await new Contracts.V1.Account.AccountClient(Herd.Gateways[0].Channel).GetAccountAsync(new GetAccountRequest(), headers);

        var first = await Complete(gateway: 0, headers: headers);
        // The fee and tokens are settled just after the answer, off the call's path.
        var afterOne = await EventuallyAsync(
            async () => await new Contracts.V1.Account.AccountClient(Herd.Gateways[1].Channel).GetAccountAsync(new GetAccountRequest(), headers),
            account => account.Spent == "1" && account.Limits[1].Used > 0);
        // Priority 20 costs 1.2 times as much: 1 + 1.2 leaves 1.3 of 3.5, enough for one more at priority 0.
        var dearer = await Complete(gateway: 1, priority: 20, headers: headers);
        await EventuallyAsync(
            async () => await new Contracts.V1.Account.AccountClient(Herd.Gateways[0].Channel).GetAccountAsync(new GetAccountRequest(), headers),
            account => account.Spent == "2.2");
        var third = await Complete(gateway: 0, headers: headers);
        var refused = await Assert.ThrowsAsync<RpcException>(() => Complete(gateway: 1, headers: headers));
        var spent = await EventuallyAsync(
            async () => await new Contracts.V1.Account.AccountClient(Herd.Gateways[0].Channel).GetAccountAsync(new GetAccountRequest(), headers),
            account => account.Spent == "3.2");

        Assert.Equal(("budgeted", 20, "tokens-of-trust"), (fresh.Role, fresh.MaxPriority, fresh.Currency));
        Assert.Equal(("3.5", "0", "3.5"), (fresh.Budget, fresh.Spent, fresh.Remaining));
        var rate = Assert.Single(fresh.Rates);
        Assert.Equal((TestHerd.Model, "1", "0"), (rate.Model, rate.PerRequest, rate.PerPromptToken));
        Assert.Equal("0.01", fresh.PriorityMultiplierPerLevel);
        Assert.Equal([(5L, 0L), (100000L, 0L)], fresh.Limits.Select(limit => (limit.Amount, limit.Used)));

        Assert.Equal(("1", "1"), (first.Done.Fee, afterOne.Spent));
        Assert.Equal(("requests", 1L, 4L), (afterOne.Limits[0].Kind, afterOne.Limits[0].Used, afterOne.Limits[0].Remaining));
        Assert.Equal(first.Done.Usage.PromptTokens + first.Done.Usage.CompletionTokens, afterOne.Limits[1].Used);

        Assert.Equal(("1.2", "1"), (dearer.Done.Fee, third.Done.Fee));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("budget", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(("3.2", "0.3"), (spent.Spent, spent.Remaining));
        // The refused request does not count: the limits give back what they charged when the budget refuses.
        Assert.Equal(3, spent.Limits[0].Used);
    }

    [Fact]
    public async Task Account_WithoutTheMethodInTheRole_IsPermissionDenied()
    {
        var key = await fixture.KeyAsync("user");

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await new Contracts.V1.Account.AccountClient(Herd.Gateways[0].Channel).GetAccountAsync(new GetAccountRequest(), AccessHerdFixture.Bearer(key)));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    private Task<StreamedCompletion> Complete(int gateway = 0, int maxTokens = 4, int priority = 0, Metadata? headers = null) =>
        StreamedCompletion.RunAsync(Client(gateway), MeshClient.Request("access", maxTokens, priority: priority), headers: headers);

    private static string KeyId(string key) => key.Split('_')[1];

    /// <summary>Reads until the value satisfies <paramref name="settled"/>, for state written just after a call returned; the last read after ten seconds.</summary>
    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> settled)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var value = await read();
            if (settled(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(50);
        }
    }

    private static async Task<RpcException?> RefusalOf(Func<Task> call)
    {
        try
        {
            await call();
            return null;
        }
        catch (RpcException exception)
        {
            return exception;
        }
    }

    /// <summary>Retries a call until it is refused: key verifications are cached for a short while.</summary>
    private static async Task<RpcException> EventuallyRefusedAsync(Func<Task> call)
    {
        RpcException? refusal = null;
        Assert.True(await Eventually(async () => (refusal = await RefusalOf(call)) is not null));
        return refusal!;
    }

    private static async Task<bool> Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }
}
