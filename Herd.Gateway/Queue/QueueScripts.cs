namespace Herd.Gateway.Queue;

/// <summary>
/// The Lua scripts behind <see cref="JobQueue"/>: each operation that reads and then writes is one
/// script, so concurrent gateways never see half of it. Times come from the Redis server's clock
/// (microseconds) so that gateways with skewed clocks agree.
/// </summary>
internal static class QueueScripts
{
    // Lua prints numbers with 14 significant digits; microsecond stamps have 16, so every number
    // written back to Redis goes through int().
    private const string Common = """
        local function now_us()
          local t = redis.call('TIME')
          return tonumber(t[1]) * 1000000 + tonumber(t[2])
        end

        local function int(n)
          return string.format('%.0f', n)
        end

        -- A model's queues (one per set of node groups its jobs may run on) and their group patterns.
        local function queues_of(prefix, model)
          return redis.call('HGETALL', prefix .. 'queues:' .. model)
        end

        local function depth_of(prefix, model)
          local queues = queues_of(prefix, model)
          local depth = 0
          for i = 1, #queues, 2 do
            depth = depth + redis.call('ZCARD', queues[i])
          end
          return depth
        end

        -- Puts an assigned job back in its queue ahead of every waiting job, keeping its own
        -- score when that is already ahead. Returns the model.
        local function requeue_front(prefix, id, job)
          local f = redis.call('HMGET', job, 'model', 'score', 'queue', 'node')
          if f[4] then
            redis.call('SREM', prefix .. 'node-jobs:' .. f[4], id)
          end
          local queue = f[3]
          local score = tonumber(f[2])
          local head = redis.call('ZRANGE', queue, 0, 0, 'WITHSCORES')
          if head[2] and tonumber(head[2]) - 1 < score then
            score = tonumber(head[2]) - 1
          end
          redis.call('HSET', job, 'state', 'queued', 'score', int(score))
          redis.call('HDEL', job, 'node', 'server')
          redis.call('ZADD', queue, int(score), id)
          return f[1]
        end

        local function glob(pattern, text)
          if pattern == '*' then
            return true
          end
          local lua = '^' .. string.gsub(string.gsub(pattern, '[%^%$%(%)%%%.%[%]%+%-%?]', '%%%0'), '%*', '.*') .. '$'
          return string.match(text, lua) ~= nil
        end

        local function admits(patterns, group)
          for pattern in string.gmatch(patterns, '[^,]+') do
            if glob(pattern, group) then
              return true
            end
          end
          return false
        end

        -- A node's free slots, counting the jobs every gateway assigned to it, exactly when fewer
        -- than `wanted` may be free. Completing or requeueing a job takes it out of its node's set;
        -- a member whose job is gone otherwise (a gateway died, a lease was swept) only makes the
        -- set's size overstate what the node holds, so the members are checked against their
        -- records, and the stale ones dropped, only when the size alone would refuse.
        local function free_slots(prefix, node_jobs, node, slots, wanted)
          local free = slots - redis.call('SCARD', node_jobs)
          if free >= wanted then
            return free
          end
          local held = 0
          for _, id in ipairs(redis.call('SMEMBERS', node_jobs)) do
            local f = redis.call('HMGET', prefix .. 'job:' .. id, 'state', 'node')
            if f[1] == 'assigned' and f[2] == node then
              held = held + 1
            else
              redis.call('SREM', node_jobs, id)
            end
          end
          return slots - held
        end

        -- The queues of the models ARGV[from..to] whose group patterns admit the node's group.
        local function eligible_queues(prefix, group, from, to)
          local eligible = {}
          for m = from, to do
            local queues = queues_of(prefix, ARGV[m])
            for i = 1, #queues, 2 do
              if admits(queues[i + 1], group) then
                table.insert(eligible, queues[i])
              end
            end
          end
          return eligible
        end

        -- The best waiting job over the queues: its queue, id and score; nil when all are empty.
        local function best_head(queues)
          local best_queue, best_id, best_score
          for _, queue in ipairs(queues) do
            local head = redis.call('ZRANGE', queue, 0, 0, 'WITHSCORES')
            if head[1] then
              local score = tonumber(head[2])
              if best_score == nil or score < best_score then
                best_queue, best_id, best_score = queue, head[1], score
              end
            end
          end
          return best_queue, best_id, best_score
        end

        -- A new job's first checks: the reply when it must not go on (its id is taken, or an
        -- admission ticket is missing), else nil, the tickets used up. ARGV[tickets..] are the tickets.
        local function refusal(job, tickets)
          if redis.call('EXISTS', job) == 1 then
            return {'duplicate'}
          end
          for i = tickets, #ARGV do
            if redis.call('EXISTS', ARGV[i]) == 0 then
              return {'unadmitted'}
            end
          end
          for i = tickets, #ARGV do
            redis.call('DEL', ARGV[i])
          end
          return nil
        end

        -- A new job's arrival stamp and score. Stamps only grow: equal priorities keep arrival
        -- order within one microsecond, and after a failover to a server whose clock is behind.
        local function stamp(clock, priority, aging)
          local arrival = now_us()
          local last = tonumber(redis.call('GET', clock) or '0')
          if arrival <= last then
            arrival = last + 1
          end
          redis.call('SET', clock, int(arrival))
          return arrival, arrival - tonumber(priority) * tonumber(aging)
        end

        -- Writes a new job's record and lists its queue among its model's; `state` is the fields
        -- of its state: {'state', 'queued'}, or an assignment's state, node and server.
        local function record(job, queue, model, priority, owner, payload, arrival, score, prefix, groups, trace, state)
          local fields = {'model', model, 'priority', priority, 'owner', owner, 'payload', payload,
            'enqueued', int(arrival), 'score', int(score), 'queue', queue, 'trace', trace}
          for _, value in ipairs(state) do
            table.insert(fields, value)
          end
          redis.call('HSET', job, unpack(fields))
          redis.call('HSET', prefix .. 'queues:' .. model, queue, groups)
        end

        -- Puts a recorded job in its queue and wakes every dispatcher.
        local function queue_up(queue, id, model, score, depth, channel)
          redis.call('ZADD', queue, int(score), id)
          local position = redis.call('ZRANK', queue, id) + 1
          redis.call('PUBLISH', channel, model)
          return {'enqueued', position, depth + 1}
        end

        """;

    /// <summary>
    /// KEYS: job, queue, clock. ARGV: id, model, priority, owner, payload, aging_us, max_depth,
    /// channel, prefix, node group patterns, trace context, then the admission tickets the job
    /// needs: all must exist, and are used up, or nothing is queued ({'unadmitted'}).
    /// </summary>
    public const string Enqueue = Common + """
        local refused = refusal(KEYS[1], 12)
        if refused then
          return refused
        end
        local depth = depth_of(ARGV[9], ARGV[2])
        if depth >= tonumber(ARGV[7]) then
          return {'full', depth}
        end
        local arrival, score = stamp(KEYS[3], ARGV[3], ARGV[6])
        record(KEYS[1], KEYS[2], ARGV[2], ARGV[3], ARGV[4], ARGV[5], arrival, score, ARGV[9], ARGV[10], ARGV[11], {'state', 'queued'})
        return queue_up(KEYS[2], ARGV[1], ARGV[2], score, depth, ARGV[8])
        """;

    /// <summary>
    /// As <see cref="Enqueue"/>, for a job whose owner gateway holds a node of its model with a
    /// free slot: in the same step the job is assigned to that node and leased, as <see cref="Pop"/>
    /// would, when the node's slots counted over every gateway allow it and no waiting job the
    /// node could serve goes first; otherwise it is queued as usual. KEYS: job, queue, clock,
    /// leases, the node's jobs. ARGV: id, model, priority, owner, payload, aging_us, max_depth,
    /// channel, prefix, node group patterns, trace context, node, lease_us, node group, node slots,
    /// the number n of the node's models, the n models, then the admission tickets. Returns
    /// {'assigned', now} or Enqueue's replies.
    /// </summary>
    public const string EnqueueOnNode = Common + """
        local models = tonumber(ARGV[16])
        local refused = refusal(KEYS[1], 17 + models)
        if refused then
          return refused
        end
        local arrival, score = stamp(KEYS[3], ARGV[3], ARGV[6])

        local takes = admits(ARGV[10], ARGV[14]) and free_slots(ARGV[9], KEYS[5], ARGV[12], tonumber(ARGV[15]), 1) > 0
        if takes then
          local _, _, best = best_head(eligible_queues(ARGV[9], ARGV[14], 17, 16 + models))
          -- A waiting job the node could serve goes first: it gets the slot through the queue.
          takes = best == nil or best > score
        end
        if takes then
          record(KEYS[1], KEYS[2], ARGV[2], ARGV[3], ARGV[4], ARGV[5], arrival, score, ARGV[9], ARGV[10], ARGV[11],
            {'state', 'assigned', 'node', ARGV[12], 'server', ARGV[4]})
          redis.call('ZADD', KEYS[4], int(arrival + tonumber(ARGV[13])), ARGV[1])
          redis.call('SADD', KEYS[5], ARGV[1])
          return {'assigned', int(arrival)}
        end

        local depth = depth_of(ARGV[9], ARGV[2])
        if depth >= tonumber(ARGV[7]) then
          return {'full', depth}
        end
        record(KEYS[1], KEYS[2], ARGV[2], ARGV[3], ARGV[4], ARGV[5], arrival, score, ARGV[9], ARGV[10], ARGV[11], {'state', 'queued'})
        return queue_up(KEYS[2], ARGV[1], ARGV[2], score, depth, ARGV[8])
        """;

    /// <summary>
    /// KEYS: leases, the node's jobs (a set). ARGV: prefix, node, server, lease_us, max, node group,
    /// the node's slots, then the models. Returns up to max jobs, best first, each as {id, model,
    /// priority, owner, payload, enqueued, now, trace}. Only queues whose group patterns admit the
    /// node's group are considered, and never more jobs than the node has free slots, counted over
    /// every gateway: the set holds the jobs assigned to the node; completing or requeueing a job
    /// takes it out, and when the set looks full its members are checked against their records (a
    /// job swept after its gateway died is no longer the node's), so no slot leaks.
    /// </summary>
    public const string Pop = Common + """
        local max = math.min(tonumber(ARGV[5]), free_slots(ARGV[1], KEYS[2], ARGV[2], tonumber(ARGV[7]), tonumber(ARGV[5])))
        if max <= 0 then
          return {}
        end

        local eligible = eligible_queues(ARGV[1], ARGV[6], 8, #ARGV)
        local now = now_us()
        local popped = {}
        while #popped < max do
          local best_queue, best_id = best_head(eligible)
          if best_id == nil then
            break
          end

          redis.call('ZREM', best_queue, best_id)
          local job = ARGV[1] .. 'job:' .. best_id
          local owner = redis.call('HGET', job, 'owner')
          if owner and redis.call('EXISTS', ARGV[1] .. 'gateway:' .. owner) == 1 then
            redis.call('HSET', job, 'state', 'assigned', 'node', ARGV[2], 'server', ARGV[3])
            redis.call('ZADD', KEYS[1], int(now + tonumber(ARGV[4])), best_id)
            redis.call('SADD', KEYS[2], best_id)
            local f = redis.call('HMGET', job, 'model', 'priority', 'owner', 'payload', 'enqueued', 'trace')
            popped[#popped + 1] = {best_id, f[1], f[2], f[3], f[4], f[5], int(now), f[6] or ''}
          else
            -- The gateway holding this job's client is gone, and with it the client.
            redis.call('DEL', job)
          end
        end
        return popped
        """;

    /// <summary>KEYS: job. ARGV: id.</summary>
    public const string RemoveIfQueued = """
        local f = redis.call('HMGET', KEYS[1], 'state', 'queue', 'node', 'server', 'started')
        if not f[1] then
          return {'unknown'}
        end
        if f[1] == 'queued' then
          redis.call('ZREM', f[2], ARGV[1])
          redis.call('DEL', KEYS[1])
          return {'removed'}
        end
        return {'not_queued', f[1], f[3] or '', f[4] or '', f[5] or '0'}
        """;

    /// <summary>KEYS: job. Only an assigned job can start; a requeued one waits for its next node.</summary>
    public const string MarkStarted = """
        if redis.call('HGET', KEYS[1], 'state') ~= 'assigned' then
          return 0
        end
        redis.call('HSET', KEYS[1], 'started', '1')
        return 1
        """;

    /// <summary>ARGV: prefix, model. The jobs waiting for the model, over all its queues.</summary>
    public const string Depth = Common + """
        return depth_of(ARGV[1], ARGV[2])
        """;

    /// <summary>
    /// ARGV: prefix, model. The jobs waiting for the model, over all its queues, by priority:
    /// {now_us, priority, count, oldest_enqueued_us, ...}, the stamps as strings. It reads every
    /// waiting job, so it is for periodic reports and people watching, never the request path.
    /// </summary>
    public const string Waiting = Common + """
        local queues = queues_of(ARGV[1], ARGV[2])
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
        local reply = {int(now_us())}
        for priority, count in pairs(counts) do
          table.insert(reply, priority)
          table.insert(reply, count)
          table.insert(reply, int(oldest[priority]))
        end
        return reply
        """;

    /// <summary>KEYS: leases. ARGV: lease_us, then job ids. Returns the ids that hold no lease.</summary>
    public const string RenewLeases = Common + """
        local expiry = int(now_us() + tonumber(ARGV[1]))
        local lost = {}
        for i = 2, #ARGV do
          if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
            redis.call('ZADD', KEYS[1], 'XX', expiry, ARGV[i])
          else
            table.insert(lost, ARGV[i])
          end
        end
        return lost
        """;

    /// <summary>KEYS: job, leases. ARGV: id, channel, prefix.</summary>
    public const string Complete = """
        redis.call('ZREM', KEYS[2], ARGV[1])
        local f = redis.call('HMGET', KEYS[1], 'queue', 'model', 'state', 'node')
        if not f[1] then
          return 0
        end
        redis.call('ZREM', f[1], ARGV[1])
        redis.call('DEL', KEYS[1])
        if f[4] then
          redis.call('SREM', ARGV[3] .. 'node-jobs:' .. f[4], ARGV[1])
        end
        if f[3] == 'assigned' then
          -- Its node has a free slot now: every gateway linked to it may give it the next job.
          redis.call('PUBLISH', ARGV[2], f[2])
        end
        return 1
        """;

    /// <summary>KEYS: job, leases. ARGV: prefix, id, channel, expected node ('' for any).</summary>
    public const string Requeue = Common + """
        local f = redis.call('HMGET', KEYS[1], 'state', 'started', 'node')
        if not f[1] or f[2] == '1' then
          return 0
        end
        if f[1] == 'queued' then
          return 1
        end
        -- The job may have moved on to another node since the caller's node took it.
        if ARGV[4] ~= '' and f[3] ~= ARGV[4] then
          return 0
        end
        redis.call('ZREM', KEYS[2], ARGV[2])
        redis.call('PUBLISH', ARGV[3], requeue_front(ARGV[1], ARGV[2], KEYS[1]))
        return 1
        """;

    /// <summary>KEYS: leases. ARGV: prefix, max, channel. Returns {requeued ids, {id, owner, model, node}...}.</summary>
    public const string SweepExpiredLeases = Common + """
        local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', int(now_us()), 'LIMIT', 0, tonumber(ARGV[2]))
        local unstarted, failed, requeued = {}, {}, {}
        for _, id in ipairs(expired) do
          redis.call('ZREM', KEYS[1], id)
          local job = ARGV[1] .. 'job:' .. id
          local f = redis.call('HMGET', job, 'state', 'started', 'owner', 'model', 'node', 'score')
          if f[1] == 'assigned' then
            if f[2] == '1' then
              redis.call('DEL', job)
              table.insert(failed, {id, f[3], f[4], f[5] or ''})
            else
              table.insert(unstarted, {id, job, tonumber(f[6])})
            end
          end
        end
        -- Latest first, so that each goes in ahead of the ones after it and the jobs keep their
        -- order among themselves at the front of the queue.
        table.sort(unstarted, function(a, b) return a[3] > b[3] end)
        for _, u in ipairs(unstarted) do
          redis.call('PUBLISH', ARGV[3], requeue_front(ARGV[1], u[1], u[2]))
          table.insert(requeued, u[1])
        end
        return {requeued, failed}
        """;
}
