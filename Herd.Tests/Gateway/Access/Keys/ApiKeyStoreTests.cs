using System.Buffers.Text;
using System.Text;
using Herd.Gateway.Access.Keys;
using Herd.Tests.Fixtures;
using Herd.Tests.Gateway.Ledger;
using Microsoft.Extensions.DependencyInjection;

namespace Herd.Tests.Gateway.Access.Keys;

/// <summary>The key store against a real PostgreSQL, a database of its own per test.</summary>
[Collection(WithServers.Name)]
public sealed class ApiKeyStoreTests(ServersFixture servers)
{
    private const string Pepper = "a-pepper-of-at-least-thirty-two-characters";

    private readonly SettableClock _clock = new();

    [Fact]
    public async Task Create_ThenVerify_IsValid_WithEverythingTheAdminGave()
    {
        await using var ledger = await CreateLedgerAsync();
        var store = Store(ledger);
        var admin = await store.CreateAsync("admin", "admin");
        var expiresAt = _clock.GetUtcNow().AddDays(30);

        var created = await store.CreateAsync("reporting job", "analyst", expiresAt, historyOptOut: true, budget: 12.5m, createdBy: admin.Key.Id);
        var verification = await store.VerifyAsync(created.Secret);

        Assert.Equal(ApiKeyVerificationOutcome.Valid, verification.Outcome);
        Assert.True(verification.IsValid);
        Assert.Equal(
            (created.Key.Id, "reporting job", "analyst", expiresAt, true, 12.5m, admin.Key.Id, _clock.GetUtcNow(), (DateTimeOffset?)null),
            (verification.Key.Id, verification.Key.Name, verification.Key.Role, verification.Key.ExpiresAt.GetValueOrDefault(), verification.Key.HistoryOptOut,
                verification.Key.Budget.GetValueOrDefault(), verification.Key.CreatedBy, verification.Key.CreatedAt, verification.Key.RevokedAt));
        Assert.DoesNotContain(created.Secret, created.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_KnownKeyIdWithAnotherSecret_IsUnknown()
    {
        await using var ledger = await CreateLedgerAsync();
        var store = Store(ledger);
        var created = await store.CreateAsync("k", "analyst");

        var verification = await store.VerifyAsync(WithAnotherSecret(created));

        Assert.Equal((ApiKeyVerificationOutcome.Unknown, null), (verification.Outcome, verification.Key));
    }

    [Fact]
    public async Task Revoke_ThenVerify_IsRevoked_AndRevokingAgainKeepsTheFirstTime()
    {
        await using var ledger = await CreateLedgerAsync();
        var store = Store(ledger);
        var created = await store.CreateAsync("k", "analyst");
        var revokedAt = _clock.GetUtcNow().AddMinutes(5);
        _clock.Advance(TimeSpan.FromMinutes(5));

        var first = await store.RevokeAsync(created.Key.Id);
        _clock.Advance(TimeSpan.FromMinutes(5));
        var second = await store.RevokeAsync(created.Key.Id);
        var verification = await store.VerifyAsync(created.Secret);

        Assert.Equal([true, true], [first, second]);
        Assert.Equal(ApiKeyVerificationOutcome.Revoked, verification.Outcome);
        Assert.Equal(revokedAt, verification.Key?.RevokedAt);
        Assert.Contains("revoked", verification.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("zzzzzzzzzzzz")]
    [InlineData("not a key id")]
    [InlineData("")]
    public async Task Revoke_NoSuchKey_IsFalse(string keyId)
    {
        await using var ledger = await CreateLedgerAsync();

        Assert.False(await Store(ledger).RevokeAsync(keyId));
    }

    [Fact]
    public async Task Verify_RevokedKeyWithAnotherSecret_IsUnknown_SoRevocationIsToldOnlyToTheHolder()
    {
        await using var ledger = await CreateLedgerAsync();
        var store = Store(ledger);
        var created = await store.CreateAsync("k", "analyst");
        await store.RevokeAsync(created.Key.Id);

        Assert.Equal(ApiKeyVerificationOutcome.Unknown, (await store.VerifyAsync(WithAnotherSecret(created))).Outcome);
    }

    [Fact]
    public async Task Verify_UntilItsExpiry_IsValid_AndFromThenOn_IsExpired()
    {
        await using var ledger = await CreateLedgerAsync();
        var store = Store(ledger);
        var created = await store.CreateAsync("k", "analyst", expiresAt: _clock.GetUtcNow().AddHours(1));

        _clock.Advance(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(1));
        var before = await store.VerifyAsync(created.Secret);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var at = await store.VerifyAsync(created.Secret);

        Assert.Equal(ApiKeyVerificationOutcome.Valid, before.Outcome);
        Assert.Equal(ApiKeyVerificationOutcome.Expired, at.Outcome);
        Assert.Contains("expired", at.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(Pepper)]
    public async Task Database_HoldsNoUsableSecret(string? pepper)
    {
        await using var ledger = await CreateLedgerAsync(pepper);
        var store = Store(ledger);
        var created = await store.CreateAsync("k", "analyst");
        Assert.True(ApiKeySecret.TryParse(created.Secret, out var secret, out _));
        var secretText = created.Secret[18..];

        // Every column of the row, as values and as PostgreSQL prints the row (bytea in hex).
        var row = Assert.Single(await RawSql.RowsAsync(ledger.ConnectionString, "SELECT * FROM api_keys"));
        var rowText = Assert.Single(await RawSql.StringsAsync(ledger.ConnectionString, "SELECT k::text FROM api_keys k"));
        var storedHash = Assert.IsType<byte[]>(row[Array.IndexOf(await ColumnsAsync(ledger), "secret_hash")]);

        foreach (var value in row)
        {
            var bytes = value as byte[] ?? Encoding.UTF8.GetBytes(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "");
            Assert.Equal(-1, bytes.AsSpan().IndexOf(secret.Secret));
            Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(secretText)));
        }

        Assert.DoesNotContain(secretText, rowText, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexStringLower(secret.Secret), rowText, StringComparison.Ordinal);
        // Whoever reads the hash cannot present it as the secret.
        var fromHash = WithAnotherSecret(created, storedHash);
        Assert.Equal(ApiKeyVerificationOutcome.Unknown, (await store.VerifyAsync(fromHash)).Outcome);
        Assert.Equal(ApiKeyVerificationOutcome.Valid, (await store.VerifyAsync(created.Secret)).Outcome);
    }

    public static TheoryData<string?> Hostile() => new()
    {
        null,
        "",
        " ",
        new string('x', 10_000_000),
        "Bearer herd_abcdefghij01_" + new string('A', 43),
        "herd_名字名字名字名字名字名字_" + new string('A', 43),
        "herd_'; DROP TABLE api_keys; --" + new string('A', 30),
        "herd_abcdefghij01_'); DELETE FROM api_keys; --AAAAAAAAAAAAAAAA",
        "herd_abcdefghij01_" + new string('A', 43),
        "herd_abcdefghij01_" + new string('\0', 43),
        "herd_%27%20OR%201_" + new string('A', 43),
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task Verify_HostileText_IsMalformedOrUnknown_AndChangesNothing(string? presented)
    {
        await using var ledger = await CreateLedgerAsync();
        var store = Store(ledger);
        await store.CreateAsync("k", "analyst");
        var before = await SnapshotAsync(ledger);

        var verification = await store.VerifyAsync(presented);

        Assert.Contains(verification.Outcome, new[] { ApiKeyVerificationOutcome.Malformed, ApiKeyVerificationOutcome.Unknown });
        Assert.Null(verification.Key);
        Assert.Equal(before, await SnapshotAsync(ledger));
    }

    public static TheoryData<string, string, int, decimal?, string?, string> Invalid() => new()
    {
        { "", "analyst", 1, null, null, "name" },
        { "   ", "analyst", 1, null, null, "name" },
        { new string('n', 101), "analyst", 1, null, null, "name" },
        { "k", "", 1, null, null, "role" },
        { "k", "Analyst", 1, null, null, "role" },
        { "k", "1analyst", 1, null, null, "role" },
        { "k", "analyst\n", 1, null, null, "role" },
        { "k", "analyst; DROP TABLE api_keys", 1, null, null, "role" },
        { "k", "a" + new string('b', 63), 1, null, null, "role" },
        { "k", "analyst", 0, null, null, "expiresAt" },
        { "k", "analyst", -1, null, null, "expiresAt" },
        { "k", "analyst", 1, -0.01m, null, "budget" },
        { "k", "analyst", 1, null, "ADMINADMIN01", "createdBy" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task Create_InvalidArgument_IsRefusedNamingIt_AndStoresNothing(
        string name, string role, int expiresInHours, decimal? budget, string? createdBy, string refused)
    {
        await using var ledger = await CreateLedgerAsync();
        var store = Store(ledger);

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            store.CreateAsync(name, role, _clock.GetUtcNow().AddHours(expiresInHours), budget: budget, createdBy: createdBy));

        Assert.Equal(refused, error.ParamName);
        Assert.StartsWith(refused, error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(await store.ListAsync());
    }

    [Fact]
    public async Task Create_LongestRoleNameAndName_AreAccepted()
    {
        await using var ledger = await CreateLedgerAsync();

        var created = await Store(ledger).CreateAsync(new string('n', 100), "a" + new string('b', 62));

        Assert.Equal(ApiKeyVerificationOutcome.Valid, (await Store(ledger).VerifyAsync(created.Secret)).Outcome);
    }

    [Fact]
    public async Task List_GivesEveryKey_RevokedAndExpiredToo_OldestFirst()
    {
        await using var ledger = await CreateLedgerAsync();
        var store = Store(ledger);
        var first = await store.CreateAsync("first", "analyst", expiresAt: _clock.GetUtcNow().AddMinutes(1));
        _clock.Advance(TimeSpan.FromMinutes(2));
        var second = await store.CreateAsync("second", "analyst");
        _clock.Advance(TimeSpan.FromMinutes(2));
        var third = await store.CreateAsync("third", "admin");
        await store.RevokeAsync(second.Key.Id);

        var keys = await store.ListAsync();

        Assert.Equal([first.Key.Id, second.Key.Id, third.Key.Id], keys.Select(key => key.Id));
        Assert.NotNull(keys[1].RevokedAt);
    }

    [Fact]
    public async Task Pepper_KeysFromBeforeItKeepWorking_PepperedKeysNeedIt()
    {
        var connectionString = await servers.Postgres.CreateDatabaseAsync($"ledger_{Guid.NewGuid():N}");
        await using var plain = LedgerHost.Build(connectionString, time: _clock);
        await plain.Migrator.MigrateAsync(CancellationToken.None);
        await using var peppered = LedgerHost.Build(connectionString, new Dictionary<string, string?> { ["Herd:Gateway:Access:KeyPepper"] = Pepper }, _clock);

        var oldKey = await Store(plain).CreateAsync("before the pepper", "analyst");
        var newKey = await Store(peppered).CreateAsync("with the pepper", "analyst");

        Assert.Equal(ApiKeyVerificationOutcome.Valid, (await Store(peppered).VerifyAsync(oldKey.Secret)).Outcome);
        Assert.Equal(ApiKeyVerificationOutcome.Valid, (await Store(peppered).VerifyAsync(newKey.Secret)).Outcome);
        Assert.Equal(ApiKeyVerificationOutcome.Unknown, (await Store(plain).VerifyAsync(newKey.Secret)).Outcome);
        Assert.Contains(plain.Logs.Lines, line => line.Contains($"API key {newKey.Key.Id} was created with a pepper", StringComparison.Ordinal));
    }

    private Task<LedgerHost> CreateLedgerAsync(string? pepper = null) => LedgerHost.CreateAsync(
        servers.Postgres,
        settings: pepper is null ? null : new Dictionary<string, string?> { ["Herd:Gateway:Access:KeyPepper"] = pepper },
        time: _clock);

    /// <summary>The created key's id with <paramref name="secret"/> (zeros by default) in place of its own.</summary>
    private static string WithAnotherSecret(CreatedApiKey created, byte[]? secret = null) =>
        string.Concat(created.Secret.AsSpan(0, created.Secret.Length - 43), Base64Url.EncodeToString(secret ?? new byte[ApiKeySecret.SecretByteCount]));

    private static ApiKeyStore Store(LedgerHost ledger) => ledger.Services.GetRequiredService<ApiKeyStore>();

    private static async Task<string[]> ColumnsAsync(LedgerHost ledger) => [.. await RawSql.StringsAsync(ledger.ConnectionString,
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'api_keys' ORDER BY ordinal_position")];

    /// <summary>Every table's rows as PostgreSQL prints them.</summary>
    private static async Task<List<string>> SnapshotAsync(LedgerHost ledger)
    {
        var snapshot = new List<string>();
        foreach (var table in await RawSql.TablesAsync(ledger.ConnectionString))
        {
            snapshot.Add(table);
            snapshot.AddRange(await RawSql.StringsAsync(ledger.ConnectionString, $"SELECT t::text FROM {table} t ORDER BY 1"));
        }

        return snapshot;
    }
}
