namespace Portcullis.Stores.Redis;

/// <summary>
/// The Lua scripts of the idempotency store. Each runs atomically on the one key it is given; times are
/// milliseconds passed in by the caller (the store's clock, as the gateway measures it), never read in the script.
/// </summary>
internal static class RedisScripts
{
    /// <summary>
    /// A stored time (ms) read as the store's C# readers read one (<c>RedisIdempotencyStore.TryReadTime</c>), so a claim
    /// and the admin list agree on which record cannot be read: plain decimal digits within the dates a
    /// <see cref="DateTimeOffset"/> holds (253402300799999 is its last millisecond), else nil. <c>tonumber</c> alone also
    /// takes "1.0", "1.7e12", " 12", "+12" and "0x10". A state is compared as the string the store writes ('0' to '3').
    /// </summary>
    private const string StoredTime = """
        local function stored_time(v)
          if v and string.match(v, '^%d+$') then
            local n = tonumber(v)
            if n <= 253402300799999 then return n end
          end
          return nil
        end

        """;

    /// <summary>
    /// KEYS[1] record. ARGV: fingerprint, correlation id, now, lease ms, retention ms, new token, owner, ttl ms,
    /// environment, connector, principal, tool, key, then for a review-required call (review id '' otherwise): review
    /// id, mode, arguments, expires at, approvals required, definition digest, and '1' when the review has its place
    /// under the principal's limit (<see cref="ReservePendingReview"/>). Returns {status, correlation id, lease end or
    /// result}. A held record (state 3) answers 'review': the store reads the review and judges it
    /// (<c>ReviewTransitions.Judge</c>), and an approval that may run is taken by <see cref="TakeApproved"/>. A free key
    /// of a review without its place answers 'free' and changes nothing. A record the script cannot read (a time that is
    /// not plain digits, see <see cref="StoredTime"/>, a state other than '0' to '3', a completed record without its result, a record without its fingerprint or its state, a held one
    /// without its review) answers 'unknown' and is left as it is: whether its call ran cannot be told, so it is neither
    /// run again nor taken. Only a key that holds nothing is free; a record is past its retention only by a creation
    /// time it can read.
    /// </summary>
    public const string Claim = StoredTime + """
        local r = redis.call('HMGET', KEYS[1], 'fp', 'state', 'corr', 'created', 'lease', 'result', 'rv_id')
        local now = tonumber(ARGV[3])
        local created = stored_time(r[4])
        local held = redis.call('EXISTS', KEYS[1]) == 1
        if held and not created then return {'unknown', r[3] or ''} end
        if held and created > now - tonumber(ARGV[5]) then
          if not r[1] then return {'unknown', r[3] or ''} end
          if r[1] ~= ARGV[1] then return {'reused', r[3] or ''} end
          if r[2] == '3' and r[7] then return {'review', r[3] or ''} end
          if r[2] == '1' and r[6] then return {'completed', r[3] or '', r[6]} end
          local lease = stored_time(r[5])
          if r[2] == '0' and lease and lease > now then return {'in_progress', r[3] or '', r[5]} end
          return {'unknown', r[3] or ''}
        end
        if ARGV[14] ~= '' and ARGV[20] ~= '1' then return {'free'} end
        redis.call('DEL', KEYS[1])
        if ARGV[14] ~= '' then
          redis.call('HSET', KEYS[1], 'fp', ARGV[1], 'state', 3, 'token', '', 'corr', ARGV[2], 'created', ARGV[3],
            'lease', ARGV[3], 'updated', ARGV[3], 'owner', ARGV[7],
            'environment', ARGV[9], 'connector', ARGV[10], 'principal', ARGV[11], 'tool', ARGV[12], 'key', ARGV[13],
            'rv_id', ARGV[14], 'rv_mode', ARGV[15], 'rv_args', ARGV[16], 'rv_corr', ARGV[2], 'rv_expires', ARGV[17],
            'rv_required', ARGV[18], 'rv_approvals', '[]', 'rv_def', ARGV[19])
          redis.call('PEXPIRE', KEYS[1], ARGV[8])
          return {'held', ARGV[2]}
        end
        redis.call('HSET', KEYS[1], 'fp', ARGV[1], 'state', 0, 'token', ARGV[6], 'corr', ARGV[2], 'created', ARGV[3],
          'lease', now + tonumber(ARGV[4]), 'updated', ARGV[3], 'owner', ARGV[7],
          'environment', ARGV[9], 'connector', ARGV[10], 'principal', ARGV[11], 'tool', ARGV[12], 'key', ARGV[13])
        redis.call('PEXPIRE', KEYS[1], ARGV[8])
        return {'claimed'}
        """;

    /// <summary>
    /// KEYS[1] a principal's pending reviews (<see cref="RedisKeys.PendingReviews"/>). ARGV: now, the record key, the
    /// review's deadline, the limit, the set's time to live in ms. Drops the places of reviews past their deadlines, then
    /// takes one for the record: 1 when it has its place (already had it, or one was free), 0 when the limit is reached.
    /// </summary>
    public const string ReservePendingReview = """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
        if redis.call('ZSCORE', KEYS[1], ARGV[2]) then return 1 end
        if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
        redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
        if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[5]) then redis.call('PEXPIRE', KEYS[1], ARGV[5]) end
        return 1
        """;

    /// <summary>
    /// KEYS[1] record. ARGV: new token, correlation id, lease end, now, owner, review id, fingerprint. Approved → in
    /// progress, once: 1 when the record still held that approved review of those arguments, not lapsed (see
    /// <see cref="Lapse"/>), 0 when another retry took it first or it changed.
    /// </summary>
    public const string TakeApproved = """
        local r = redis.call('HMGET', KEYS[1], 'state', 'rv_decision', 'rv_id', 'fp', 'rv_lapsed')
        if r[1] ~= '3' or r[2] ~= '1' or r[3] ~= ARGV[6] or r[4] ~= ARGV[7] or r[5] then return 0 end
        redis.call('HSET', KEYS[1], 'state', 0, 'token', ARGV[1], 'corr', ARGV[2], 'lease', ARGV[3], 'updated', ARGV[4], 'owner', ARGV[5])
        return 1
        """;

    /// <summary>
    /// KEYS[1] record. ARGV: review id, its decision as read ('1' approved, '' undecided). Marks a review a claim judged
    /// expired as lapsed: 1 when the record still held that review, decided as read; 0 when it was decided or taken since.
    /// </summary>
    public const string Lapse = """
        local r = redis.call('HMGET', KEYS[1], 'state', 'rv_id', 'rv_decision')
        if r[1] ~= '3' or r[2] ~= ARGV[1] or (r[3] or '') ~= ARGV[2] then return 0 end
        redis.call('HSET', KEYS[1], 'rv_lapsed', 1)
        return 1
        """;

    /// <summary>
    /// KEYS[1] record. ARGV: token, result, now. 1 when the token held the key in progress (not once an operator settled
    /// it, which keeps the token: a result stored late must not replace the operator's), or when the key already holds
    /// this very result of this token (the same completion, applied although its answer was lost).
    /// </summary>
    public const string Complete = """
        local r = redis.call('HMGET', KEYS[1], 'token', 'state', 'result', 'r_exec')
        if r[1] ~= ARGV[1] then return 0 end
        if r[2] == '1' and not r[4] and r[3] == ARGV[2] then return 1 end
        if r[2] ~= '0' then return 0 end
        redis.call('HSET', KEYS[1], 'state', 1, 'result', ARGV[2], 'updated', ARGV[3])
        return 1
        """;

    /// <summary>KEYS[1] record. ARGV: token, now. 1 when the token held the key in progress, or already marked it so.</summary>
    public const string MarkUnknown = """
        local r = redis.call('HMGET', KEYS[1], 'token', 'state')
        if r[1] ~= ARGV[1] then return 0 end
        if r[2] == '2' then return 1 end
        if r[2] ~= '0' then return 0 end
        redis.call('HSET', KEYS[1], 'state', 2, 'updated', ARGV[2])
        return 1
        """;

    /// <summary>
    /// KEYS[1] record. ARGV: token. 1 when the token held the key in progress and it was deleted, 2 when it was the
    /// claim of an approved review, which goes back to approved (the approval still stands).
    /// </summary>
    public const string Release = """
        local r = redis.call('HMGET', KEYS[1], 'token', 'state', 'rv_id')
        if r[1] ~= ARGV[1] or r[2] ~= '0' then return 0 end
        if r[3] then
          redis.call('HSET', KEYS[1], 'state', 3, 'token', '')
          return 2
        end
        redis.call('DEL', KEYS[1])
        return 1
        """;

    /// <summary>
    /// KEYS[1] record. ARGV: created-before ms. -1 when the record was created before the cut-off and deleted; its
    /// creation (ms) when it was created since, and kept; 0 when there is no record, or none whose creation can be read
    /// (left as it is: a record is past its retention only by a creation time that can be read).
    /// </summary>
    public const string Purge = StoredTime + """
        local created = stored_time(redis.call('HGET', KEYS[1], 'created'))
        if not created then return 0 end
        if created < tonumber(ARGV[1]) then
          redis.call('DEL', KEYS[1])
          return -1
        end
        return created
        """;

    /// <summary>
    /// KEYS[1] record. ARGV: replica id followed by '#', this incarnation's owner, now. An in-progress claim of an
    /// earlier incarnation of this replica becomes outcome-unknown; anything else is left alone. An owner is the id,
    /// '#' and 16 hex digits, so an id that merely starts like this one ("a" and "a#b") never matches.
    /// </summary>
    public const string Recover = """
        local r = redis.call('HMGET', KEYS[1], 'owner', 'state')
        if r[1] and r[2] == '0' and r[1] ~= ARGV[2] and string.len(r[1]) == string.len(ARGV[1]) + 16
            and string.sub(r[1], 1, string.len(ARGV[1])) == ARGV[1] then
          redis.call('HSET', KEYS[1], 'state', 2, 'updated', ARGV[3])
          return 1
        end
        return 0
        """;

    /// <summary>
    /// KEYS[1] record. ARGV: executed (1 or 0), result, resolved by, note ('' for none), now, created-after ms,
    /// correlation id of the call the operator checked. An outcome-unknown record (marked so, or in progress past its
    /// lease) of that call is settled: executed stores the result and the resolution, not executed deletes the record.
    /// Returns resolved, not_found, other_call, not_unknown, or unreadable for a record whose state, creation or lease cannot be read.
    /// </summary>
    public const string Resolve = StoredTime + """
        local r = redis.call('HMGET', KEYS[1], 'state', 'created', 'lease', 'corr')
        if not r[1] then return 'not_found' end
        local created, lease = stored_time(r[2]), stored_time(r[3])
        if not created or not lease or not string.match(r[1], '^[0-3]$') then return 'unreadable' end
        if created <= tonumber(ARGV[6]) then return 'not_found' end
        if r[4] ~= ARGV[7] then return 'other_call' end
        local now = tonumber(ARGV[5])
        if not (r[1] == '2' or (r[1] == '0' and lease <= now)) then return 'not_unknown' end
        if ARGV[1] == '1' then
          redis.call('HSET', KEYS[1], 'state', 1, 'result', ARGV[2], 'updated', ARGV[5],
            'r_exec', 1, 'r_by', ARGV[3], 'r_at', ARGV[5], 'r_note', ARGV[4])
        else
          redis.call('DEL', KEYS[1])
        end
        return 'resolved'
        """;
}
