using Herd.Gateway.Ledger;
using Microsoft.Extensions.Configuration;

namespace Herd.Tests.Gateway.Ledger;

public sealed class LedgerConnectionStringTests
{
    [Fact]
    public void Missing_FailsSayingWhatToSet()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Read(null));

        Assert.StartsWith("ConnectionStrings:ledger is not set.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost:5432")]
    [InlineData("postgres://herd:secret-password@localhost/herd")]
    [InlineData("Hots=localhost;Password=secret-password")]
    [InlineData("Database=herd;Password=secret-password")]
    public void Malformed_FailsSayingSo_WithoutRepeatingIt(string connectionString)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Read(connectionString));

        Assert.StartsWith("ConnectionStrings:ledger is not a PostgreSQL connection string", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-password", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WellFormed_IsReturnedAsGiven()
    {
        Assert.Equal("Host=db;Database=herd", Read("Host=db;Database=herd"));
    }

    private static string Read(string? connectionString) => LedgerExtensions.LedgerConnectionString(
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:ledger"] = connectionString }).Build());
}
