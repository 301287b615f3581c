using System.Buffers.Text;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Access.Keys;
using Herd.Tests.Fixtures;
using Herd.Tests.Gateway.History;
using Herd.Tests.Gateway.Ledger;

namespace Herd.Tests.Gateway.Admin;

/// <summary><c>herd.v1.Keys</c> over real gRPC to a whole gateway with access control on.</summary>
[Collection(WithServers.Name)]
public sealed class KeysServiceTests(ServersFixture servers) : IAsyncLifetime
{
    private AccessGatewayHost? _gateway;

    private AccessGatewayHost Gateway => _gateway ?? throw new InvalidOperationException("The gateway has not started.");

    public async Task InitializeAsync() => _gateway = await AccessGatewayHost.StartAsync(servers);

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
    }

    [Fact]
    public async Task CreatedKey_Works_UntilRevoked_ThenIsUnauthenticatedAtOnce()
    {
        var created = await CreateAsync(new CreateKeyRequest { Name = "notebook", Role = "user" });
        var mine = UsageSeed.MineAroundNoon();
        Assert.Empty((await Gateway.History.ListMineAsync(mine, AccessGatewayHost.Bearer(created.Secret))).Entries);

        var revoked = await Gateway.Keys.RevokeKeyAsync(new RevokeKeyRequest { KeyId = created.Key.KeyId }, Admin());

        Assert.NotNull(revoked.Key.RevokedAt);
        // The gateway caches a verified key for minutes here: only forgetting it on revocation refuses it now.
        var error = await Assert.ThrowsAsync<RpcException>(() => Gateway.History.ListMineAsync(mine, AccessGatewayHost.Bearer(created.Secret)).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Contains("revoked", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokeKey_AlreadyRevoked_IsOkAndKeepsTheFirstRevocation()
    {
        var created = await CreateAsync(new CreateKeyRequest { Name = "twice", Role = "user" });
        var first = await Gateway.Keys.RevokeKeyAsync(new RevokeKeyRequest { KeyId = created.Key.KeyId }, Admin());

        var second = await Gateway.Keys.RevokeKeyAsync(new RevokeKeyRequest { KeyId = created.Key.KeyId }, Admin());

        Assert.Equal(first.Key.RevokedAt, second.Key.RevokedAt);
    }

    [Fact]
    public async Task RevokeKey_UnknownId_IsNotFound()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Gateway.Keys.RevokeKeyAsync(new RevokeKeyRequest { KeyId = "abcdefghij01" }, Admin()).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("ListKeys", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("' OR 1=1 --")]
    [InlineData("abcdefghij01'; UPDATE api_keys SET revoked_at = now(); --")]
    [InlineData("")]
    [InlineData("ABCDEFGHIJ01")]
    public async Task RevokeKey_TextThatIsNoKeyId_IsInvalidArgument_AndRevokesNothing(string keyId)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Gateway.Keys.RevokeKeyAsync(new RevokeKeyRequest { KeyId = keyId }, Admin()).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("key_id", error.Status.Detail, StringComparison.Ordinal);
        Assert.All((await Gateway.Keys.ListKeysAsync(new ListKeysRequest(), Admin())).Keys, key => Assert.Null(key.RevokedAt));
    }

    [Fact]
    public async Task CreateKey_RecordsItsSettingsAndCreator_AndListKeysShowsThem()
    {
        var expiresAt = DateTimeOffset.UtcNow.AddDays(30);

        var created = await CreateAsync(new CreateKeyRequest
        {
            Name = "batch jobs",
            Role = "user",
            ExpiresAt = Timestamp.FromDateTimeOffset(expiresAt),
            HistoryOptOut = true,
            Budget = "10.50",
        });

        var listed = Assert.Single((await Gateway.Keys.ListKeysAsync(new ListKeysRequest(), Admin())).Keys, key => key.KeyId == created.Key.KeyId);
        Assert.Equal(created.Key, listed);
        Assert.Equal(
            ("batch jobs", "user", true, "10.50", Gateway.AdminKeyId),
            (listed.Name, listed.Role, listed.HistoryOptOut, listed.Budget, listed.CreatedBy));
        Assert.Equal(expiresAt.ToUnixTimeMilliseconds(), listed.ExpiresAt.ToDateTimeOffset().ToUnixTimeMilliseconds());
        Assert.StartsWith($"{ApiKeySecret.Prefix}{created.Key.KeyId}_", created.Secret, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListKeys_CarriesNoSecretMaterial()
    {
        var created = await CreateAsync(new CreateKeyRequest { Name = "listed", Role = "user" });

        var listed = await Gateway.Keys.ListKeysAsync(new ListKeysRequest(), Admin());

        Assert.DoesNotContain(ApiKey.Descriptor.Fields.InDeclarationOrder(), field =>
            field.Name.Contains("secret", StringComparison.Ordinal) || field.Name.Contains("hash", StringComparison.Ordinal) || field.Name.Contains("salt", StringComparison.Ordinal));
        Assert.DoesNotContain(SecretPart(created.Secret), listed.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheDatabase_HoldsNoCopyOfTheSecret()
    {
        var created = await CreateAsync(new CreateKeyRequest { Name = "stored", Role = "user" });
        var secretBytes = Base64Url.DecodeFromChars(SecretPart(created.Secret));

        var rows = await RawSql.RowsAsync(Gateway.LedgerConnectionString, $"SELECT * FROM api_keys WHERE id = '{created.Key.KeyId}'");

        Assert.All(Assert.Single(rows), column =>
        {
            switch (column)
            {
                case string text:
                    Assert.DoesNotContain(SecretPart(created.Secret), text, StringComparison.Ordinal);
                    break;
                case byte[] bytes:
                    Assert.True(bytes.AsSpan().IndexOf(secretBytes) < 0, "a bytea column holds the secret's bytes");
                    Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(created.Secret)) < 0, "a bytea column holds the secret's text");
                    break;
            }
        });
    }

    [Fact]
    public async Task CreateKey_UnknownRole_IsInvalidArgument_NamingTheKnownRoles()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Gateway.Keys.CreateKeyAsync(new CreateKeyRequest { Name = "x", Role = "superuser" }, Admin()).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("'superuser'", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("admin, user", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "user", null, "name")]
    [InlineData("   ", "user", null, "name")]
    [InlineData("line one\nline two", "user", null, "control characters")]
    [InlineData("admin'; DROP TABLE api_keys; --", "admin'; DROP TABLE api_keys; --", null, "role")]
    [InlineData("negative", "user", "-1", "budget")]
    [InlineData("exponent", "user", "1e3", "budget")]
    [InlineData("words", "user", "ten", "budget")]
    [InlineData("injection", "user", "1; DELETE FROM api_keys", "budget")]
    [InlineData("comma", "user", "1,5", "budget")]
    [InlineData("empty", "user", "", "budget")]
    public async Task CreateKey_BadField_IsInvalidArgument_AndCreatesNothing(string name, string role, string? budget, string named)
    {
        var request = new CreateKeyRequest { Name = name, Role = role };
        if (budget is not null)
        {
            request.Budget = budget;
        }

        await AssertRefusedAsync(request, named);
    }

    [Fact]
    public async Task CreateKey_OversizedName_IsInvalidArgument_AndCreatesNothing() =>
        await AssertRefusedAsync(new CreateKeyRequest { Name = new string('n', 101), Role = "user" }, "name must be 1 to 100 characters");

    [Fact]
    public async Task CreateKey_ExpiryInThePast_IsInvalidArgument_AndCreatesNothing() =>
        await AssertRefusedAsync(
            new CreateKeyRequest { Name = "late", Role = "user", ExpiresAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(-1)) },
            "not in the future");

    [Fact]
    public async Task CreateKey_ExpiryThatIsNoInstant_IsInvalidArgument_AndCreatesNothing() =>
        await AssertRefusedAsync(
            new CreateKeyRequest { Name = "never", Role = "user", ExpiresAt = new Timestamp { Seconds = long.MaxValue } },
            "expires_at");

    [Fact]
    public async Task CreateKey_SqlLookingName_IsKeptAsText()
    {
        const string name = "Robert'); DROP TABLE api_keys; --";

        var created = await CreateAsync(new CreateKeyRequest { Name = name, Role = "user" });

        var listed = await Gateway.Keys.ListKeysAsync(new ListKeysRequest(), Admin());
        Assert.Equal(name, Assert.Single(listed.Keys, key => key.KeyId == created.Key.KeyId).Name);
        Assert.Equal(2, listed.Keys.Count);
    }

    [Fact]
    public async Task KeysCalls_FromAUserKey_ArePermissionDenied()
    {
        var user = AccessGatewayHost.Bearer(await Gateway.KeyAsync("user"));

        var errors = new[]
        {
            await Assert.ThrowsAsync<RpcException>(() => Gateway.Keys.ListKeysAsync(new ListKeysRequest(), user).ResponseAsync),
            await Assert.ThrowsAsync<RpcException>(() => Gateway.Keys.CreateKeyAsync(new CreateKeyRequest { Name = "mine", Role = "admin" }, user).ResponseAsync),
            await Assert.ThrowsAsync<RpcException>(() => Gateway.Keys.RevokeKeyAsync(new RevokeKeyRequest { KeyId = Gateway.AdminKeyId }, user).ResponseAsync),
        };

        Assert.All(errors, error => Assert.Equal(StatusCode.PermissionDenied, error.StatusCode));
        Assert.Equal(2, (await Gateway.Keys.ListKeysAsync(new ListKeysRequest(), Admin())).Keys.Count(key => key.RevokedAt is null));
    }

    private Metadata Admin() => AccessGatewayHost.Bearer(Gateway.AdminKey);

    private async Task<CreateKeyResponse> CreateAsync(CreateKeyRequest request) => await Gateway.Keys.CreateKeyAsync(request, Admin());

    private async Task AssertRefusedAsync(CreateKeyRequest request, string named)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Gateway.Keys.CreateKeyAsync(request, Admin()).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(named, error.Status.Detail, StringComparison.Ordinal);
        var keys = await RawSql.StringsAsync(Gateway.LedgerConnectionString, "SELECT id FROM api_keys");
        Assert.Equal([Gateway.AdminKeyId], keys);
    }

    private static string SecretPart(string key) => key[(ApiKeySecret.Prefix.Length + ApiKeySecret.KeyIdLength + 1)..];
}
