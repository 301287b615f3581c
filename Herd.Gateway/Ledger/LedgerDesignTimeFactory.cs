using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Herd.Gateway.Ledger;

/// <summary>
/// Lets <c>dotnet ef</c> build the ledger's model without starting the gateway, so that
/// <c>dotnet ef migrations add</c> needs no database. Commands that do reach one
/// (<c>dotnet ef database update</c>) use <c>ConnectionStrings__ledger</c> from the environment.
/// </summary>
public sealed class LedgerDesignTimeFactory : IDesignTimeDbContextFactory<LedgerDbContext>
{
    private const string Placeholder = "Host=localhost;Database=herd";

    public LedgerDbContext CreateDbContext(string[] args)
    {
        var connectionString = Environment.GetEnvironmentVariable("ConnectionStrings__ledger");
        var options = new DbContextOptionsBuilder<LedgerDbContext>();
        LedgerDbContext.Configure(options, string.IsNullOrWhiteSpace(connectionString) ? Placeholder : connectionString);
        return new LedgerDbContext(options.Options);
    }
}
