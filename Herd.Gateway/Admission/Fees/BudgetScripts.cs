namespace Herd.Gateway.Admission.Fees;

/// <summary>
/// The Lua scripts behind <see cref="BudgetKeeper"/>: a reservation checks and charges a key's
/// spend in one atomic step, so concurrent gateways never commit more than its budget. Amounts
/// are whole nano-units, handed over and compared as text: a Lua number is a double, exact only
/// up to 2^53 (about 9 million in the currency), and a budget may be larger.
/// </summary>
internal static class BudgetScripts
{
    /// <summary>
    /// KEYS: the key's spend counter. ARGV: limit (budget less the request's max fee, 0 or more),
    /// max fee, seed (the ledger's total for the key, or '' when not read yet), admission ticket
    /// key to set when admitted (or ''). Returns
    /// {'admitted', spent before} or {'refused', spent}; {'unseeded'} when the counter does not
    /// exist and no seed was given, having changed nothing.
    /// </summary>
    public const string Reserve = """
        -- a <= b for whole numbers in canonical decimal text, b not negative.
        local function at_most(a, b)
          if string.sub(a, 1, 1) == '-' then
            return true
          end
          if #a ~= #b then
            return #a < #b
          end
          return a <= b
        end

        local spent = redis.call('GET', KEYS[1])
        if not spent then
          if ARGV[3] == '' then
            return {'unseeded'}
          end
          redis.call('SET', KEYS[1], ARGV[3], 'NX')
          spent = ARGV[3]
        end
        if not at_most(spent, ARGV[1]) then
          return {'refused', spent}
        end
        redis.call('INCRBY', KEYS[1], ARGV[2])
        if ARGV[4] and ARGV[4] ~= '' then
          redis.call('SET', ARGV[4], '1', 'PX', 60000)
        end
        return {'admitted', spent}
        """;

    /// <summary>
    /// KEYS: the key's spend counter. ARGV: actual fee less the reserved one. A counter that is
    /// gone (Redis lost its data) stays gone: the next use seeds it again from the ledger, whose
    /// usage records hold the real fees. A spend never drops below zero.
    /// </summary>
    public const string Settle = """
        if redis.call('EXISTS', KEYS[1]) == 0 then
          return 0
        end
        if redis.call('INCRBY', KEYS[1], ARGV[1]) < 0 then
          redis.call('SET', KEYS[1], '0')
        end
        return 0
        """;
}
