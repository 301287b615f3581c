using System.Globalization;
using Herd.Gateway.Access.Keys;
using Herd.Gateway.Access.Roles;
using Herd.Gateway.Ledger;
using Herd.Gateway.WebApp.Components;
using Herd.Gateway.WebApp.Session;
using Herd.Gateway.WebApp.Tabs;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace Herd.Gateway.WebApp.Pages;

/// <summary>
/// The Keys tab, for admins: every key (<c>Keys/ListKeys</c>), a new key whose secret is shown
/// once (<c>Keys/CreateKey</c>), and revoking a key after a confirmation (<c>Keys/RevokeKey</c>).
/// </summary>
public sealed partial class Keys : LiveTab
{
    private IReadOnlyList<ApiKeyRecord>? _keys;
    private string? _refusal;
    private string? _name;
    private string? _role = "user";
    private string? _expires;
    private string? _budget;
    private bool _newOptOut;
    private string? _createProblem;
    private CreatedApiKey? _created;
    private bool _copied;
    private string? _confirming;
    private string? _revokeProblem;

    [Inject]
    private ApiKeyStore Store { get; set; } = default!;

    [Inject]
    private KeyVerifier Verifier { get; set; } = default!;

    [Inject]
    private RoleCatalog Roles { get; set; } = default!;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    protected override AppTab Tab => AppTabs.Keys;

    private string RoleNames => string.Join(", ", Roles.Roles.Select(role => role.Name));

    protected override async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var answer = await Session.CheckAsync(ApiMethods.ListKeys, cancellationToken);
        _refusal = answer.Refusal;
        _keys = answer.IsAllowed ? await Store.ListAsync(cancellationToken) : null;
    }

    private async Task CreateAsync()
    {
        (_created, _copied) = (null, false);
        var answer = await Session.CheckAsync(ApiMethods.CreateKey, CancellationToken.None);
        if (!answer.IsAllowed)
        {
            _createProblem = answer.Refusal;
            return;
        }

        var name = _name ?? "";
        var role = (_role ?? "").Trim();
        _createProblem = NewKeyRules.NameProblem(name) ?? NewKeyRules.RoleProblem(Roles, role);
        if (_createProblem is not null || !TryReadExpiry(out var expiresAt) || !TryReadBudget(out var budget))
        {
            return;
        }

        try
        {
            _created = await Store.CreateAsync(name, role, expiresAt, _newOptOut, budget, answer.Caller.KeyId);
            _name = null;
        }
        catch (ArgumentException exception)
        {
            _createProblem = NewKeyRules.Problem(exception);
        }

        await ReadAsync();
    }

    private bool TryReadExpiry(out DateTimeOffset? expiresAt)
    {
        expiresAt = null;
        if (string.IsNullOrWhiteSpace(_expires))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(_expires, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            expiresAt = parsed;
            return true;
        }

        _createProblem = $"expires must be a date or time such as 2027-01-31 or 2027-01-31T18:00:00Z (UTC unless it says otherwise); got '{_expires}'. Leave it empty for a key that does not expire.";
        return false;
    }

    private bool TryReadBudget(out decimal? budget)
    {
        budget = null;
        if (string.IsNullOrWhiteSpace(_budget))
        {
            return true;
        }

        if (NewKeyRules.TryReadBudget(_budget.Trim(), out var amount, out var problem))
        {
            budget = amount;
            return true;
        }

        _createProblem = problem;
        return false;
    }

    private async Task CopySecretAsync()
    {
        if (_created is { } created)
        {
            // The browser's own clipboard; the secret goes nowhere else.
            await JS.InvokeVoidAsync("navigator.clipboard.writeText", created.Secret);
            _copied = true;
        }
    }

    private void AskRevoke(string keyId) => (_confirming, _revokeProblem) = (keyId, null);

    private void CancelRevoke() => _confirming = null;

    private async Task RevokeAsync()
    {
        if (_confirming is not { } keyId)
        {
            return;
        }

        _confirming = null;
        var answer = await Session.CheckAsync(ApiMethods.RevokeKey, CancellationToken.None);
        if (!answer.IsAllowed)
        {
            _revokeProblem = answer.Refusal;
            return;
        }

        if (await Store.RevokeAsync(keyId))
        {
            // As Keys/RevokeKey does: this gateway refuses the key from its next request on.
            Verifier.Forget(keyId);
        }

        await ReadAsync();
    }

    private static string State(ApiKeyRecord key) => key switch
    {
        { RevokedAt: { } revoked } => $"revoked {revoked:yyyy-MM-dd HH:mm}",
        { ExpiresAt: { } expires } => $"expires {expires:yyyy-MM-dd HH:mm}",
        _ => "in force",
    };

    private static string KeyRowClass(ApiKeyRecord key) => $"key-{key.Id}";
}
