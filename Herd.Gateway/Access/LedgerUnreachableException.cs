namespace Herd.Gateway.Access;

/// <summary>The ledger's PostgreSQL could not be reached to answer a question the call depends on.</summary>
public sealed class LedgerUnreachableException(Exception inner)
    : Exception($"The herd's ledger database, which holds API keys and usage, is unreachable; retry shortly. ({inner?.Message})", inner);
