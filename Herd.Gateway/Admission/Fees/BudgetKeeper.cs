using System.Globalization;
using Herd.Gateway.Access;
using Herd.Gateway.Access.Keys;
using Herd.Gateway.Ledger;
using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;

namespace Herd.Gateway.Admission.Fees;

/// <summary>
/// Holds each API key to its spend budget across every gateway replica. A key's committed spend
/// (settled fees plus open reservations) lives in one Redis counter, <c>{prefix}budget:{keyId}</c>,
/// in nano-units of the currency and without expiry: a budget is for the key's lifetime.
/// </summary>
/// <remarks>
/// A counter that does not exist (the key's first request, or Redis lost its data) starts from
/// the sum of the key's fees in the ledger. Two gateways seeding at once read the same sum and
/// the first to write it wins. Requests whose usage records are still on their way to the ledger
/// when Redis loses its data are not counted again.
/// </remarks>
public sealed partial class BudgetKeeper(
    IConnectionMultiplexer redis,
    string keyPrefix,
    IDbContextFactory<LedgerDbContext> ledger,
    ILogger<BudgetKeeper> logger)
{
    private readonly IDatabase _database = (redis ?? throw new ArgumentNullException(nameof(redis))).GetDatabase();
    private readonly string _keyPrefix = keyPrefix ?? string.Empty;

    /// <summary>
    /// Reserves <paramref name="maxFee"/> of the key's budget when its committed spend plus
    /// <paramref name="maxFee"/> stays within <paramref name="budget"/>; otherwise refuses and
    /// changes nothing. Atomic across gateways.
    /// </summary>
    /// <param name="keyId">The API key's id.</param>
    /// <param name="budget">What the key may spend in its lifetime: its own budget, else its role's.</param>
    /// <param name="maxFee">The most the request may cost: its prompt bound plus max_tokens, priced.</param>
    /// <exception cref="LedgerUnreachableException">The counter had to be seeded and the ledger could not be read.</exception>
    /// <param name="ticket">A Redis key the reservation sets (for a minute) when it admits, for a job enqueued in the same round trip to require; null for none.</param>
    public async Task<BudgetAdmission> ReserveAsync(string keyId, decimal budget, decimal maxFee, string? ticket = null, CancellationToken ct = default)
    {
        ThrowIfNotKeyId(keyId);
        ThrowIfNegative(budget, nameof(budget));
        ThrowIfNegative(maxFee, nameof(maxFee));
        var budgetNanos = NanoUnits.Down(budget);
        var maxFeeNanos = NanoUnits.Up(maxFee);
        if (maxFeeNanos > budgetNanos)
        {
            // More than the whole budget: no spend lets it in.
            return new BudgetAdmission(null, await SpentAsync(keyId, ct).ConfigureAwait(false), budget);
        }

        var counter = Counter(keyId);
        var limit = budgetNanos - maxFeeNanos;
        var reply = await RunReserveAsync(counter, limit, maxFeeNanos, seed: null, ticket).ConfigureAwait(false);
        if ((string?)reply[0] == "unseeded")
        {
            var seed = await SeedAsync(keyId, ct).ConfigureAwait(false);
            reply = await RunReserveAsync(counter, limit, maxFeeNanos, seed, ticket).ConfigureAwait(false);
        }

        return (string?)reply[0] switch
        {
            "admitted" => new BudgetAdmission(new BudgetReservation(keyId, maxFee), Amount(reply[1]), budget),
            "refused" => new BudgetAdmission(null, Amount(reply[1]), budget),
            var other => throw UnexpectedReply(nameof(ReserveAsync), other),
        };
    }

    /// <summary>
    /// Replaces what <paramref name="reservation"/> reserved with the request's real fee. Call it
    /// once per reservation, whatever the request's end.
    /// </summary>
    public async Task SettleAsync(BudgetReservation reservation, decimal actualFee)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        ThrowIfNegative(actualFee, nameof(actualFee));
        var difference = NanoUnits.Up(actualFee) - NanoUnits.Up(reservation.MaxFee);
        if (difference == 0)
        {
            return;
        }

        await _database.ScriptEvaluateAsync(BudgetScripts.Settle, [Counter(reservation.KeyId)], [difference]).ConfigureAwait(false);
    }

    /// <summary>What the key has committed: settled fees plus open reservations. Seeds the counter when it does not exist.</summary>
    /// <exception cref="LedgerUnreachableException">The counter had to be seeded and the ledger could not be read.</exception>
    public async Task<decimal> SpentAsync(string keyId, CancellationToken ct = default)
    {
        ThrowIfNotKeyId(keyId);
        var counter = Counter(keyId);
        var spent = await _database.StringGetAsync(counter).ConfigureAwait(false);
        if (spent.HasValue)
        {
            return Amount(spent);
        }

        var seed = await SeedAsync(keyId, ct).ConfigureAwait(false);
        if (await _database.StringSetAsync(counter, seed, when: When.NotExists).ConfigureAwait(false))
        {
            return NanoUnits.ToAmount(seed);
        }

        // Another gateway seeded it first, and may have reserved since.
        return Amount(await _database.StringGetAsync(counter).ConfigureAwait(false));
    }

    private async Task<RedisResult[]> RunReserveAsync(RedisKey counter, long limit, long maxFee, long? seed, string? ticket)
    {
        RedisValue seedText = seed is { } value ? value : string.Empty;
        var result = await _database.ScriptEvaluateAsync(BudgetScripts.Reserve, [counter], [limit, maxFee, seedText, ticket ?? string.Empty]).ConfigureAwait(false);
        return (RedisResult[])result!;
    }

    /// <summary>The key's lifetime spend by the ledger: the sum of its usage records' fees, in nano-units.</summary>
    private async Task<long> SeedAsync(string keyId, CancellationToken ct)
    {
        decimal total;
        try
        {
            await using var context = await ledger.CreateDbContextAsync(ct).ConfigureAwait(false);
            total = await context.Usage.Where(usage => usage.KeyId == keyId).SumAsync(usage => usage.Fee, ct).ConfigureAwait(false);
        }
        catch (Exception exception) when (LedgerFailures.IsUnreachable(exception) && !ct.IsCancellationRequested)
        {
            LogSeedFailed(exception, keyId);
            throw new LedgerUnreachableException(exception);
        }

        // A negative total (refunds beyond spend) would lend the key more than its budget.
        var seed = Math.Max(0, total);
        LogSeeded(keyId, seed);
        return NanoUnits.Up(seed);
    }

    private RedisKey Counter(string keyId) => $"{_keyPrefix}budget:{keyId}";

    private static decimal Amount(RedisResult value) => NanoUnits.ToAmount(long.Parse((string)value!, CultureInfo.InvariantCulture));

    private static decimal Amount(RedisValue value) => NanoUnits.ToAmount(long.Parse((string)value!, CultureInfo.InvariantCulture));

    // Key ids are 12 characters of a-z and 0-9, so one can name a Redis key as it is.
    private static void ThrowIfNotKeyId(string keyId)
    {
        if (!ApiKeySecret.IsKeyId(keyId))
        {
            throw new ArgumentException(
                $"keyId '{keyId}' is not an API key id ({ApiKeySecret.KeyIdLength} characters of a-z and 0-9).", nameof(keyId));
        }
    }

    private static void ThrowIfNegative(decimal amount, string parameterName)
    {
        if (amount < 0)
        {
            throw new ArgumentOutOfRangeException(parameterName, amount,
                string.Create(CultureInfo.InvariantCulture, $"{parameterName} is {amount}; it must be 0 or more."));
        }
    }

    private static InvalidOperationException UnexpectedReply(string operation, string? reply) =>
        new($"The budget script for {operation} answered '{reply}'; the Redis data does not match this version of Herd.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Started the spend counter of key {KeyId} from the ledger at {Spent}")]
    private partial void LogSeeded(string keyId, decimal spent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read key {KeyId}'s spend from the ledger to start its budget counter")]
    private partial void LogSeedFailed(Exception exception, string keyId);
}
