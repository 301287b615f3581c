using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Herd.Gateway.Queue;

/// <summary>
/// How many jobs wait for a model at each priority and since when, read from the queue's Redis
/// keys for people watching the herd (the dashboard). One script reads all of a model's queues,
/// so the counts and ages agree with each other.
/// </summary>
public sealed class QueueBacklog(IConnectionMultiplexer redis, IOptions<QueueOptions> options)
{
    // ARGV: prefix, model. Returns {now_us, priority, count, oldest_enqueued_us, ...} with the
    // stamps as strings: a Lua number would reach Redis rounded.
    private const string Script = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local queues = redis.call('HGETALL', ARGV[1] .. 'queues:' .. ARGV[2])
        local counts = {}
        local oldest = {}
        for i = 1, #queues, 2 do
          for _, id in ipairs(redis.call('ZRANGE', queues[i], 0, -1)) do
            local f = redis.call('HMGET', ARGV[1] .. 'job:' .. id, 'priority', 'enqueued')
            if f[1] then
              local priority = f[1]
              local enqueued = tonumber(f[2])
              counts[priority] = (counts[priority] or 0) + 1
              if not oldest[priority] or enqueued < oldest[priority] then
                oldest[priority] = enqueued
              end
            end
          end
        end
        local reply = {string.format('%.0f', now)}
        for priority, count in pairs(counts) do
          table.insert(reply, priority)
          table.insert(reply, count)
          table.insert(reply, string.format('%.0f', oldest[priority]))
        end
        return reply
        """;

    private readonly string _prefix = options?.Value.KeyPrefix ?? throw new ArgumentNullException(nameof(options));

    /// <summary>The jobs waiting for <paramref name="model"/>, one entry per priority that has any, highest priority first.</summary>
    public async Task<IReadOnlyList<WaitingJobs>> WaitingAsync(string model)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        ArgumentNullException.ThrowIfNull(redis);
        var reply = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(Script, [], [_prefix, model]).ConfigureAwait(false))!;
        var now = ParseLong(reply[0]);
        var waiting = new List<WaitingJobs>();
        for (var i = 1; i + 2 < reply.Length; i += 3)
        {
            var oldestWait = TimeSpan.FromMicroseconds(Math.Max(0, now - ParseLong(reply[i + 2])));
            waiting.Add(new WaitingJobs(model, (int)ParseLong(reply[i]), (long)reply[i + 1], oldestWait));
        }

        return [.. waiting.OrderByDescending(entry => entry.Priority)];
    }

    private static long ParseLong(RedisResult value) => long.Parse((string)value!, NumberStyles.Integer, CultureInfo.InvariantCulture);
}
