using System.Data.Common;

namespace Herd.Gateway.Ledger;

/// <summary>Tells a ledger that could not be reached from a ledger that answered with an error.</summary>
public static class LedgerFailures
{
    /// <summary>
    /// True for a failure to reach PostgreSQL or to hear back in time: worth a retry and an
    /// UNAVAILABLE, not an INTERNAL. EF Core wraps some of them in an <see cref="InvalidOperationException"/>.
    /// </summary>
    public static bool IsUnreachable(Exception exception) =>
        exception is DbException or TimeoutException or InvalidOperationException { InnerException: DbException or TimeoutException };
}
