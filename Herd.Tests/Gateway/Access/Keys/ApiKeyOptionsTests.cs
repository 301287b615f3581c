using Herd.Gateway.Access.Keys;
using Herd.Tests.Gateway.Ledger;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Herd.Tests.Gateway.Access.Keys;

public sealed class ApiKeyOptionsTests
{
    [Fact]
    public async Task KeyPepper_TooShort_FailsNamingTheSetting()
    {
        await using var ledger = LedgerHost.Build("Host=localhost;Database=unused", new Dictionary<string, string?>
        {
            ["Herd:Gateway:Access:KeyPepper"] = "too-short",
        });

        var error = Assert.Throws<OptionsValidationException>(() => ledger.Services.GetRequiredService<ApiKeyHasher>());

        Assert.Contains("Herd:Gateway:Access:KeyPepper must be at least 32 characters", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("a-pepper-of-at-least-thirty-two-characters", true)]
    public async Task KeyPepper_Configured_IsWhatTheHasherUses(string? pepper, bool expected)
    {
        await using var ledger = LedgerHost.Build("Host=localhost;Database=unused", new Dictionary<string, string?>
        {
            ["Herd:Gateway:Access:KeyPepper"] = pepper,
        });

        Assert.Equal(expected, ledger.Services.GetRequiredService<ApiKeyHasher>().HasPepper);
    }
}
