using System.Globalization;
using Herd.Gateway.Access.Roles;
using StackExchange.Redis;

namespace Herd.Gateway.Admission.Limits;

/// <summary>
/// Holds each key to the limits of its role, across every gateway replica: counters live in Redis
/// and every admission checks and charges all of a key's rules in one atomic script.
/// </summary>
/// <remarks>
/// Each rule counts in fixed windows of its length aligned to the Unix epoch (window index =
/// floor(now / window)), by the Redis server's clock, so replicas agree on where a window ends.
/// A counter expires a little after its window ends, so Redis keeps only current windows.
/// </remarks>
public sealed class UsageLimiter
{
    // A counter outlives its window by one more window, at most a minute, so that a failover to a
    // replica whose clock runs a little behind still finds the window's counts.
    private static readonly TimeSpan LongestExpiryGrace = TimeSpan.FromMinutes(1);

    private readonly IDatabase _database;
    private readonly LimitKeys _keys;

    public UsageLimiter(IConnectionMultiplexer redis, string keyPrefix)
    {
        ArgumentNullException.ThrowIfNull(redis);
        _database = redis.GetDatabase();
        _keys = new LimitKeys(keyPrefix ?? string.Empty);
    }

    /// <summary>
    /// Admits a request of <paramref name="subject"/> when it fits every rule: one more request
    /// under each request rule, and <paramref name="tokensToReserve"/> more tokens under each token
    /// rule. All or nothing: an admitted request charges every rule's current window; a refused one
    /// charges none and names the rule that keeps it out longest. With no rules it is admitted
    /// without asking Redis.
    /// </summary>
    /// <param name="subject">The API key's id; any text.</param>
    /// <param name="tokensToReserve">The prompt's tokens plus the most the completion may produce.</param>
    /// <param name="ticket">
    /// A Redis key the admission sets (for a minute) when it admits, which a job enqueued in the
    /// same round trip requires (<see cref="Queue.QueuedJob.AdmissionTickets"/>); not set when
    /// there are no rules, as then no script runs.
    /// </param>
    public async Task<Admission> AdmitAsync(string subject, IReadOnlyList<LimitRule> rules, long tokensToReserve, string? ticket = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        LimitRuleValidation.ThrowIfInvalid(rules, nameof(rules));
        ThrowIfInvalidTokens(tokensToReserve, nameof(tokensToReserve), "the prompt's tokens plus the most the completion may produce");
        if (rules.Count == 0)
        {
            return Admission.Admitted(new Reservation(subject, tokensToReserve, []));
        }

        var arguments = rules.SelectMany(rule => new RedisValue[]
        {
            LimitRuleValidation.WindowMilliseconds(rule),
            rule.Amount,
            Charge(rule, tokensToReserve),
            (long)Min(rule.Window, LongestExpiryGrace).TotalMilliseconds,
        }).Append(ticket ?? string.Empty).ToArray();
        var result = await _database.ScriptEvaluateAsync(LimitScripts.Admit, Counters(subject, rules), arguments).ConfigureAwait(false);

        var reply = (RedisResult[])result!;
        return (string?)reply[0] switch
        {
            "admitted" => Admission.Admitted(new Reservation(subject, tokensToReserve, Charged(rules, (RedisResult[])reply[2]!))),
            "refused" => Admission.Refused(Blocking(rules, (RedisResult[])reply[2]!, tokensToReserve, now: ParseLong(reply[1]))),
            var other => throw UnexpectedReply(nameof(AdmitAsync), other),
        };
    }

    /// <summary>
    /// Settles an admitted request's tokens with what it really used: each token counter it charged
    /// moves by <paramref name="actualTokens"/> less the tokens reserved, never below zero. A window
    /// that has ended and expired meanwhile is left gone, not recreated; request counters stay as
    /// they are. Call it once per reservation.
    /// </summary>
    /// <param name="actualTokens">The prompt's tokens plus the completion's, as served.</param>
    public async Task SettleAsync(Reservation reservation, long actualTokens)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        ThrowIfInvalidTokens(actualTokens, nameof(actualTokens), "the prompt's tokens plus the completion's tokens");
        var difference = actualTokens - reservation.Tokens;
        if (difference == 0)
        {
            return;
        }

        var counters = reservation.Windows
            .Where(window => window.Rule.Kind == LimitKind.Tokens)
            .Select(window => _keys.Counter(reservation.Subject, window.Rule, WindowIndex(window)))
            .Distinct()
            .ToArray();
        if (counters.Length == 0)
        {
            return;
        }

        await _database.ScriptEvaluateAsync(LimitScripts.Settle, counters, [difference]).ConfigureAwait(false);
    }

    /// <summary>
    /// Gives back everything an admission charged, for a request that did not run after all
    /// (another check refused it): its request under each request rule and its reserved tokens
    /// under each token rule, never below zero. A window that has ended and expired meanwhile is
    /// left gone. Call it instead of <see cref="SettleAsync"/>, once per reservation.
    /// </summary>
    public async Task ReleaseAsync(Reservation reservation)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        // Rules of one kind and window share a counter, which the admission charged once.
        var charged = reservation.Windows
            .GroupBy(window => _keys.Counter(reservation.Subject, window.Rule, WindowIndex(window)))
            .Select(counter => (Counter: counter.Key, Charge: Charge(counter.First().Rule, reservation.Tokens)))
            .Where(counter => counter.Charge > 0)
            .ToArray();
        if (charged.Length == 0)
        {
            return;
        }

        await _database.ScriptEvaluateAsync(
            LimitScripts.Release,
            [.. charged.Select(counter => counter.Counter)],
            [.. charged.Select(counter => (RedisValue)counter.Charge)]).ConfigureAwait(false);
    }

    /// <summary>Where <paramref name="subject"/> stands under each rule now; changes nothing.</summary>
    public async Task<IReadOnlyList<LimitStatus>> StatusAsync(string subject, IReadOnlyList<LimitRule> rules)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        LimitRuleValidation.ThrowIfInvalid(rules, nameof(rules));
        if (rules.Count == 0)
        {
            return [];
        }

        var windows = rules.Select(rule => (RedisValue)LimitRuleValidation.WindowMilliseconds(rule)).ToArray();
        var result = await _database.ScriptEvaluateAsync(LimitScripts.Status, Counters(subject, rules), windows).ConfigureAwait(false);

        var perRule = (RedisResult[])((RedisResult[])result!)[1]!;
        return [.. rules.Select((rule, i) =>
        {
            var entry = (RedisResult[])perRule[i]!;
            var used = ParseLong(entry[0]);
            return new LimitStatus(rule, used, Math.Max(0, rule.Amount - used), Instant(ParseLong(entry[1])));
        })];
    }

    private RedisKey[] Counters(string subject, IReadOnlyList<LimitRule> rules) =>
        [.. rules.Select(rule => _keys.Counter(subject, rule))];

    private static long Charge(LimitRule rule, long tokensToReserve) => rule.Kind == LimitKind.Requests ? 1 : tokensToReserve;

    private static List<ChargedWindow> Charged(IReadOnlyList<LimitRule> rules, RedisResult[] indices) =>
        [.. rules.Select((rule, i) => new ChargedWindow(rule, Instant(ParseLong(indices[i]) * LimitRuleValidation.WindowMilliseconds(rule))))];

    /// <summary>
    /// Of the rules that refused, the one that keeps the request out longest: one that no wait
    /// satisfies, else the one whose window resets last, since only then could the request pass.
    /// </summary>
    private static LimitRefusal Blocking(IReadOnlyList<LimitRule> rules, RedisResult[] refused, long tokensToReserve, long now) =>
        refused
            .Select(entry => (RedisResult[])entry!)
            .Select(entry =>
            {
                var rule = rules[(int)entry[0] - 1];
                return new LimitRefusal(rule, ParseLong(entry[1]), Charge(rule, tokensToReserve), Instant(ParseLong(entry[2])), Instant(now));
            })
            .OrderBy(refusal => refusal.WaitingHelps)
            .ThenByDescending(refusal => refusal.ResetsAt)
            .First();

    private static long WindowIndex(ChargedWindow window) =>
        window.Start.ToUnixTimeMilliseconds() / LimitRuleValidation.WindowMilliseconds(window.Rule);

    private static void ThrowIfInvalidTokens(long tokens, string parameterName, string meaning)
    {
        if (tokens is < 0 or > LimitRuleValidation.MaximumAmount)
        {
            throw new ArgumentOutOfRangeException(parameterName, tokens,
                $"{parameterName} is {tokens.ToString(CultureInfo.InvariantCulture)}; it must be between 0 and "
                + $"{LimitRuleValidation.MaximumAmount.ToString(CultureInfo.InvariantCulture)}: {meaning}.");
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static DateTimeOffset Instant(long unixMilliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);

    // The scripts return numbers as strings: a Lua number would reach Redis rounded.
    private static long ParseLong(RedisResult value) => long.Parse((string)value!, CultureInfo.InvariantCulture);

    private static InvalidOperationException UnexpectedReply(string operation, string? reply) =>
        new($"The limits' script for {operation} answered '{reply}'; the Redis data does not match this version of Herd.");
}
