namespace Herd.Gateway.Admission.Limits;

/// <summary>
/// The Lua scripts behind <see cref="UsageLimiter"/>: admission checks and charges every rule in
/// one atomic step, so concurrent gateways never admit past a limit. Windows come from the Redis
/// server's clock (milliseconds) so that gateways with skewed clocks agree on them.
/// </summary>
internal static class LimitScripts
{
    // Lua prints numbers with 14 significant digits; millisecond stamps have 13 and counters may
    // grow past 14, so every number handed to Redis goes through int().
    private const string Common = """
        local function now_ms()
          local t = redis.call('TIME')
          return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        end

        local function int(n)
          return string.format('%.0f', n)
        end

        """;

    /// <summary>
    /// KEYS: one counter per rule, without the window index. ARGV: per rule, window_ms, amount,
    /// charge, grace_ms; then an admission ticket key to set when admitted, or empty. Returns {'admitted', now, {window index per rule}} or
    /// {'refused', now, {{rule number, used, resets}...}} for every rule that does not fit.
    /// </summary>
    public const string Admit = Common + """
        local now = now_ms()
        local counters, refused = {}, {}
        for i = 1, #KEYS do
          local window = tonumber(ARGV[4 * i - 3])
          local charge = tonumber(ARGV[4 * i - 1])
          local index = math.floor(now / window)
          local resets = (index + 1) * window
          local counter = KEYS[i] .. ':' .. int(index)
          local used = tonumber(redis.call('GET', counter) or '0')
          if used + charge > tonumber(ARGV[4 * i - 2]) then
            table.insert(refused, {i, int(used), int(resets)})
          end
          counters[i] = {counter, charge, resets + tonumber(ARGV[4 * i]), int(index)}
        end
        if #refused > 0 then
          return {'refused', int(now), refused}
        end

        -- Two rules of one kind and window (say 20 and 25 requests per hour) share a counter,
        -- which a request must still charge only once.
        local charged, indices = {}, {}
        for i, c in ipairs(counters) do
          if not charged[c[1]] then
            charged[c[1]] = true
            redis.call('INCRBY', c[1], int(c[2]))
            redis.call('PEXPIREAT', c[1], int(c[3]))
          end
          indices[i] = c[4]
        end
        local ticket = ARGV[4 * #KEYS + 1]
        if ticket and ticket ~= '' then
          redis.call('SET', ticket, '1', 'PX', 60000)
        end
        return {'admitted', int(now), indices}
        """;

    /// <summary>
    /// KEYS: token counters of the windows charged, with their index. ARGV: actual - reserved.
    /// A counter that is gone (its window ended and it expired) stays gone.
    /// </summary>
    public const string Settle = Common + """
        for i = 1, #KEYS do
          local used = redis.call('GET', KEYS[i])
          if used then
            local settled = math.max(0, tonumber(used) + tonumber(ARGV[1]))
            redis.call('SET', KEYS[i], int(settled), 'KEEPTTL')
          end
        end
        return 0
        """;

    /// <summary>
    /// KEYS: counters of the windows charged, with their index, each once. ARGV: what each was
    /// charged. A counter that is gone (its window ended and it expired) stays gone.
    /// </summary>
    public const string Release = Common + """
        for i = 1, #KEYS do
          local used = redis.call('GET', KEYS[i])
          if used then
            local released = math.max(0, tonumber(used) - tonumber(ARGV[i]))
            redis.call('SET', KEYS[i], int(released), 'KEEPTTL')
          end
        end
        return 0
        """;

    /// <summary>
    /// KEYS: one counter per rule, without the window index. ARGV: window_ms per rule. Returns
    /// {now, {used, resets} per rule}; changes nothing.
    /// </summary>
    public const string Status = Common + """
        local now = now_ms()
        local rules = {}
        for i = 1, #KEYS do
          local window = tonumber(ARGV[i])
          local index = math.floor(now / window)
          local used = redis.call('GET', KEYS[i] .. ':' .. int(index)) or '0'
          rules[i] = {used, int((index + 1) * window)}
        end
        return {int(now), rules}
        """;
}
